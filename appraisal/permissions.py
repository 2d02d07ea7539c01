"""Who may see and change what: staff see only their committee's subtree."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from appraisal.models import Committee, Organization, Scheme, Secretary


def user_committee(user) -> Committee | None:
    """The committee a staff account is attached to, or None."""
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    return profile.committee if profile else None


def committee_ids(user) -> set[int]:
    """Ids of the committees whose data the user may see; cached on the user for the request."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_committee_ids"):
        committee = user_committee(user)
        if user.is_superuser:
            user._committee_ids = set(Committee.objects.values_list("pk", flat=True))
        else:
            user._committee_ids = committee.subtree_ids() if committee else set()
    return user._committee_ids


def is_staff_member(user) -> bool:
    """Organization-department staff: an account attached to a committee (or a superuser)."""
    return user.is_authenticated and (user.is_superuser or user_committee(user) is not None)


def staff_required(view):
    """Login first; then only staff of some committee get in (403 otherwise)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def can_see_committee(user, committee_id: int) -> bool:
    return committee_id in committee_ids(user)


def get_organization_or_404(user, pk) -> Organization:
    return get_object_or_404(Organization, pk=pk, committee_id__in=committee_ids(user))


def get_secretary_or_404(user, pk) -> Secretary:
    return get_object_or_404(
        Secretary.objects.select_related("organization"),
        pk=pk,
        organization__committee_id__in=committee_ids(user),
    )


def get_scheme_or_404(user, pk) -> Scheme:
    return get_object_or_404(Scheme, pk=pk, committee_id__in=committee_ids(user))


def can_edit_scheme(user, scheme: Scheme) -> bool:
    """A scheme can be changed by its committee's staff until a meeting has ballots on it."""
    return can_see_committee(user, scheme.committee_id) and not scheme.is_frozen


def committee_for_new_objects(user) -> Committee:
    """Where a staff member's new organizations, schemes and meetings go: their own committee."""
    committee = user_committee(user)
    if committee is None:
        raise PermissionDenied
    return committee
