"""Password rules of the level-3 profile: mixed case, a digit and a symbol."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ComplexityValidator:
    """Require at least one lower-case letter, one upper-case letter, one digit and one symbol."""

    def validate(self, password: str, user: Any = None) -> None:
        """Raise ValidationError (code password_complexity) naming the missing character classes."""
        missing = []
        if not any(c.islower() for c in password):
            missing.append(_("a lower-case letter"))
        if not any(c.isupper() for c in password):
            missing.append(_("an upper-case letter"))
        if not any(c.isdigit() for c in password):
            missing.append(_("a digit"))
        if not any(not c.isalnum() and not c.isspace() for c in password):
            missing.append(_("a symbol"))
        if missing:
            raise ValidationError(
                _("The password must contain %(missing)s.") % {"missing": ", ".join(missing)},
                code="password_complexity",
            )

    def get_help_text(self) -> str:
        """Describe the rule for the password forms."""
        return _("Your password must mix upper- and lower-case letters, digits and symbols.")
