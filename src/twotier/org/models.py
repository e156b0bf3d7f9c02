"""Units (effective-dated, with lineage), roles, posts and who holds them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

AGENCY_ID_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
agency_id_validator = RegexValidator(
    AGENCY_ID_PATTERN,
    _("Electronic agency id must have the form V1V2V3.Z1Z2.Y1Y2.MX1X2, e.g. 000.00.20.H12."),
    code="agency_id_format",
)


def path_segment(pk: int) -> str:
    """One segment of a unit's materialised path: zero-padded, so that text order is tree order."""
    return f"{pk:010d}/"


class UnitType(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    MINISTRY = "ministry", _("Ministry")
    PROVINCE = "province", _("Province")
    PROVINCE_DEPARTMENT = "province_department", _("Provincial department")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    COMMUNE_DEPARTMENT = "commune_department", _("Commune department")


LOCAL_UNIT_TYPES = (UnitType.COMMUNE, UnitType.WARD, UnitType.SPECIAL_ZONE)


class Unit(models.Model):
    """An organisation unit. Never deleted: it ends (valid_to) and links to its successors."""

    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("Stable TwoTier code."))
    official_code = models.CharField(_("official code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=32, blank=True)
    type = models.CharField(_("type"), max_length=32, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    agency_id = models.CharField(
        _("electronic agency id"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[agency_id_validator],
    )
    valid_from = models.DateField(_("valid from"), default=dt.date(2025, 7, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        """Return whether the unit exists on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class LineageKind(models.TextChoices):
    MERGE = "merge", _("Merged into")
    SPLIT = "split", _("Split into")


class UnitLineage(models.Model):
    """Predecessor → successor link created by a merge or split."""

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessor_links")
    kind = models.CharField(max_length=8, choices=LineageKind.choices)
    effective_date = models.DateField()
    carries_history = models.BooleanField(
        default=True, help_text=_("Roll-ups of the predecessor's history go to this successor.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique_pair"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="lineage_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.kind})"


class Role(models.Model):
    """A named bundle of permissions, attached to posts."""

    code = models.SlugField(max_length=64, unique=True)
    name_vi = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    permissions = models.JSONField(default=list)
    requires_mfa = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_vi


class Post(models.Model):
    """A position inside a unit. Work and permissions belong to the post, not to the person."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="posts")
    scope_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="scoped_posts",
        help_text=_("The unit whose subtree this post's permissions cover."),
    )
    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    roles = models.ManyToManyField(Role, related_name="posts", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit__path", "title"]

    def __str__(self) -> str:
        return f"{self.title} — {self.unit.name}"


class PostAssignment(models.Model):
    """A person holding a post from `start_at` until `end_at` (open while holding)."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="post_assignments")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=Q(end_at__isnull=True), name="one_current_holder_per_post"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.post}"


class OrgVersion(models.Model):
    """A counter bumped by every change to units, posts, roles or holders; compiled grants are cached per value."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"org version {self.value}"
