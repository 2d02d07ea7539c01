"""The admin, scoped like the pages: staff see and change only their committees' data."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet

from appraisal.models import (
    Committee,
    EvaluatorGroup,
    Indicator,
    Organization,
    Scheme,
    Secretary,
    StaffProfile,
)
from appraisal.permissions import committee_ids, is_staff_member

# How each model reaches its committee; meetings/admin.py adds its own models.
SCOPE_PATHS: dict[type[Model], str] = {
    Committee: "id",
    Organization: "committee",
    Secretary: "organization__committee",
    Scheme: "committee",
    Indicator: "scheme__committee",
    EvaluatorGroup: "scheme__committee",
}


def scoped(queryset: QuerySet, user) -> QuerySet:
    """Only the rows of the committees the user may see; nothing for unknown models."""
    if user.is_superuser:
        return queryset
    path = SCOPE_PATHS.get(queryset.model)
    if path is None:
        return queryset.none()
    lookup = "id__in" if path == "id" else f"{path}_id__in"
    return queryset.filter(**{lookup: committee_ids(user)})


class ScopedAdmin(admin.ModelAdmin):
    """Staff may view, add and change within their committees; deleting is left to superusers
    because organizations, schemes and meetings are referenced and never hard-deleted."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped(field.queryset, request.user)
        return field

    def has_module_permission(self, request):
        return request.user.is_superuser or is_staff_member(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


@admin.register(Committee)
class CommitteeAdmin(SuperuserOnlyAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(SuperuserOnlyAdmin):
    list_display = ["user", "committee"]
    list_select_related = ["user", "committee"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False


class UserWithCommitteeAdmin(UserAdmin):
    """Accounts with their committee on the same page: a staff account needs both."""

    inlines = [StaffProfileInline]
    list_display = [*UserAdmin.list_display, "staff_profile__committee"]


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserWithCommitteeAdmin)


class SecretaryInline(admin.TabularInline):
    model = Secretary
    extra = 0
    fields = ["name", "title", "phone", "term_start", "term_end"]


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "parent", "active", "committee"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "committee"]
    inlines = [SecretaryInline]


@admin.register(Secretary)
class SecretaryAdmin(ScopedAdmin):
    list_display = ["name", "organization", "title", "term_start", "term_end"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class GroupInline(admin.TabularInline):
    model = EvaluatorGroup
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    list_display = ["name", "committee", "part_indicators", "part_grades", "part_daily"]
    readonly_fields = ["frozen_at"]
    inlines = [IndicatorInline, GroupInline]
