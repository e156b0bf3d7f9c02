"""Health endpoint."""

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["system"])


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", response=HealthOut, auth=None, summary="Liveness and database check")
def health(request: HttpRequest) -> HealthOut:
    """Return ok when the application and its database answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HealthOut(status="ok", database=connection.vendor)
