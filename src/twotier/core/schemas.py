"""Schemas shared by every API router: the one documented error shape."""

from ninja import Schema


class FieldErrorOut(Schema):
    field: str
    rule: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[FieldErrorOut] = []
    request_id: str = ""


class ErrorOut(Schema):
    """Every error response has this shape."""

    error: ErrorBody


# Responses every authenticated read endpoint may give besides its success.
READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
