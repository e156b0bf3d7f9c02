"""The staff UI of one-stop dossiers: worklists, receipt at the desk, the dossier page and its actions.

Views are thin: they read through `twotier.dossiers.selectors` (and `reads` for what the page needs
beyond them) and write only through the dossier services, so the UI and the API behave the same.

Refusals follow the rule of the UI shell (`twotier.web.views`): anonymous visitors go to the login
page; accounts that are not staff, and staff opening a list page without any dossier permission,
get 403; a dossier that is missing or not visible, and any action on it, gets 404.
"""
