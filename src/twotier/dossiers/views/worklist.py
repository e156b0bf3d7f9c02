"""The worklists: one tab per box, with counts, filters, search, sorting by promised date and pages of 25."""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from twotier.dossiers.selectors import WorklistFilter
from twotier.dossiers.selectors import worklist as worklist_selector
from twotier.dossiers.views.common import now, paginate, staff_page, valid_filters
from twotier.dossiers.views.display import work_rows
from twotier.dossiers.views.forms import WorklistFilterForm
from twotier.dossiers.views.reads import DOSSIER_PERMISSIONS, box_counts, procedures_in_scope
from twotier.org.access import grants_for
from twotier.org.permissions import P

TABS = (
    ("my_step", _("At my step")),
    ("to_receive", _("To receive")),
    ("waiting_supplement", _("Waiting for a supplement")),
    ("due_soon", _("Due soon")),
    ("overdue", _("Overdue")),
    ("done", _("Handled by me")),
    ("all", _("All")),
)
EMPTY_TEXTS = {
    "my_step": _("No dossier is waiting at your step. New and forwarded dossiers for your post appear here."),
    "to_receive": _("No online registration is waiting to be received at your desk."),
    "waiting_supplement": _("No dossier is waiting for an applicant's supplement."),
    "due_soon": _("No dossier at your step is due within two working days."),
    "overdue": _("No dossier at your step is overdue."),
    "done": _("You have not handled any dossier that has ended yet."),
    "all": _("There are no dossiers you may see yet."),
}
FILTER_FIELDS = ("procedure", "channel", "status", "received_from", "received_to", "q")


@require_GET
@staff_page(*DOSSIER_PERMISSIONS)
def worklist(request: HttpRequest) -> HttpResponse:
    """The account's dossiers in one box, urgent first (or by promised date when sorted)."""
    user = request.user
    form = WorklistFilterForm(request.GET, procedures=procedures_in_scope(user=user))
    filters = valid_filters(form)
    box = filters.get("box") or ("my_step" if grants_for(user).post_ids else "all")
    at = now()
    wanted = WorklistFilter(box=box, **{k: filters[k] for k in FILTER_FIELDS if filters.get(k) not in (None, "")})
    dossiers = worklist_selector(user=user, f=wanted, at=at)
    sort = filters.get("sort") or ""
    if sort == "promised":
        dossiers = dossiers.order_by(F("promised_at").asc(nulls_last=True), "pk")
    elif sort == "-promised":
        dossiers = dossiers.order_by(F("promised_at").desc(nulls_last=True), "-pk")
    page_obj = paginate(request, dossiers)
    counts = box_counts(user=user, at=at)
    context = {
        "form": form,
        "box": box,
        "box_label": dict(TABS)[box],
        "empty_text": EMPTY_TEXTS[box],
        "can_receive": grants_for(user).has(P.DOSSIER_RECEIVE),
        "tabs": [(key, label, counts[key]) for key, label in TABS],
        "sort": sort,
        "next_sort": "-promised" if sort == "promised" else "promised",
        "page_obj": page_obj,
        "rows": work_rows(page_obj.object_list, at),
        "filtering": any(filters.get(k) not in (None, "") for k in FILTER_FIELDS),
        "now": at,
    }
    return render(request, "dossiers/worklist.html", context)
