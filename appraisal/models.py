"""Standing data of the appraisal: committees, staff, the roster and the schemes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal import scoring


class Committee(models.Model):
    """A Party committee that runs appraisals (e.g. a district committee); staff belong to one."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> set[int]:
        """This committee and every committee below it (a city sees its districts)."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(
                Committee.objects.filter(parent_id__in=frontier)
                .exclude(pk__in=ids)
                .values_list("pk", flat=True)
            )
            ids.update(frontier)
        return ids


class StaffProfile(models.Model):
    """Attaches an organization-department staff account to its committee."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} @ {self.committee}"


class OrgKind(models.TextChoices):
    # Stored values are the Chinese words: they are what rosters and bundles carry.
    SUBDISTRICT = "街道", _("Sub-district")
    COMMUNITY = "社区", _("Community")
    NEW_ORG = "两新组织", _("New economic or social organization")
    ORGAN = "机关", _("Government organ")
    STATE_ENTERPRISE = "国企", _("State enterprise")
    SCHOOL = "学校", _("School")
    VILLAGE = "村", _("Village")
    HOSPITAL = "医院", _("Hospital")
    OTHER = "其他", _("Other")


class OrganizationQuerySet(models.QuerySet):
    def for_committees(self, committee_ids) -> OrganizationQuerySet:
        return self.filter(committee_id__in=committee_ids)

    def active(self) -> OrganizationQuerySet:
        return self.filter(active=True)


class Organization(models.Model):
    """A Party organization of a committee's roster; organizations form a tree."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="orgs"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30)
    kind = models.CharField(_("kind"), max_length=10, choices=OrgKind.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "code"], name="org_code_unique_in_committee"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="org_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Organization]:
        """Parents from the nearest up; stops at a cycle rather than looping forever."""
        chain, seen, node = [], {self.pk}, self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def current_secretary(self, on: date | None = None) -> Secretary | None:
        """The secretary in office on the given day (today by default)."""
        return (
            self.secretaries.in_office(on or timezone.localdate()).order_by("-term_start").first()
        )


class SecretaryQuerySet(models.QuerySet):
    def in_office(self, on: date) -> SecretaryQuerySet:
        return self.filter(Q(term_start__isnull=True) | Q(term_start__lte=on)).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=on)
        )


class Secretary(models.Model):
    """A secretary (书记) of an organization for a term; earlier secretaries stay on record."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="secretaries",
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="secretary",
    )

    objects = SecretaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("secretary")
        verbose_name_plural = _("secretaries")
        ordering = ["organization__code", "-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="secretary_term_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def succeed(self, *, name: str, title: str = "", phone: str = "", start: date) -> Secretary:
        """End this secretary's term the day before `start` and record the successor."""
        self.term_end = max(start - timedelta(days=1), self.term_start or date.min)
        self.save(update_fields=["term_end"])
        return Secretary.objects.create(
            organization=self.organization, name=name, title=title, phone=phone, term_start=start
        )


class Grade(models.TextChoices):
    GOOD = "好", _("Good")
    FAIRLY_GOOD = "较好", _("Fairly good")
    AVERAGE = "一般", _("Average")
    POOR = "差", _("Poor")


def points_field(verbose_name, default: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=7,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


def weight_field(verbose_name, default: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=4,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
    )


class SchemeQuerySet(models.QuerySet):
    def for_committees(self, committee_ids) -> SchemeQuerySet:
        return self.filter(committee_id__in=committee_ids)


class Scheme(models.Model):
    """An appraisal scheme (考核方案): indicators, groups, part weights, bands and quotas."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="schemes"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    part_indicators = weight_field(_("weight of indicator scoring"), "0.6")
    part_grades = weight_field(_("weight of grade appraisal"), "0.2")
    part_daily = weight_field(_("weight of daily assessment"), "0.2")
    points_good = points_field(_("points for 好"), "100")
    points_fairly_good = points_field(_("points for 较好"), "80")
    points_average = points_field(_("points for 一般"), "60")
    points_poor = points_field(_("points for 差"), "0")
    band_good = points_field(_("lowest composite for 好"), "90")
    band_fairly_good = points_field(_("lowest composite for 较好"), "80")
    band_average = points_field(_("lowest composite for 一般"), "70")
    band_poor = points_field(_("lowest composite for 差"), "0")
    trim_min_ballots = models.PositiveSmallIntegerField(
        _("trim from this many ballots"),
        default=5,
        help_text=_("0 means never drop the highest and lowest total."),
    )
    good_quota = models.DecimalField(
        _("quota of 好"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Fraction of reporters that may be 好, e.g. 0.3; empty means no quota."),
    )
    bad_share_limit = models.DecimalField(
        _("limit of 差 votes"),
        max_digits=11,
        decimal_places=10,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Flag a reporter whose share of 差 votes is above this; empty means 1/3."),
    )
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal scheme")
        verbose_name_plural = _("appraisal schemes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def freeze(self) -> None:
        """Called once a meeting using this scheme has ballots: from then on it is read-only."""
        if self.frozen_at is None:
            self.frozen_at = timezone.now()
            self.save(update_fields=["frozen_at"])

    def grade_points(self) -> dict[str, Decimal]:
        return {
            Grade.GOOD: self.points_good,
            Grade.FAIRLY_GOOD: self.points_fairly_good,
            Grade.AVERAGE: self.points_average,
            Grade.POOR: self.points_poor,
        }

    def bands(self) -> list[tuple[str, Decimal]]:
        return [
            (Grade.GOOD, self.band_good),
            (Grade.FAIRLY_GOOD, self.band_fairly_good),
            (Grade.AVERAGE, self.band_average),
            (Grade.POOR, self.band_poor),
        ]

    def effective_bad_share_limit(self) -> Decimal | Fraction:
        return Fraction(1, 3) if self.bad_share_limit is None else self.bad_share_limit

    def to_def(self) -> scoring.SchemeDef:
        """The scheme as the pure scoring rules take it."""
        return scoring.SchemeDef(
            indicators=tuple(
                scoring.IndicatorDef(code=i.code, max_points=i.max_points)
                for i in self.indicators.all()
            ),
            groups=tuple(scoring.GroupDef(code=g.code, weight=g.weight) for g in self.groups.all()),
            part_indicators=self.part_indicators,
            part_grades=self.part_grades,
            part_daily=self.part_daily,
            grade_points={str(k): v for k, v in self.grade_points().items()},
            trim_min_ballots=self.trim_min_ballots,
            bands=tuple(scoring.Band(grade=str(g), min=m) for g, m in self.bands()),
            good_quota=self.good_quota,
            bad_share_limit=self.effective_bad_share_limit(),
        )

    @transaction.atomic
    def copy(self, *, name: str) -> Scheme:
        """A new, unfrozen scheme with the same rules, indicators and groups."""
        indicators, groups = list(self.indicators.all()), list(self.groups.all())
        clone = Scheme.objects.get(pk=self.pk)
        clone.pk = None
        clone.name, clone.frozen_at = name, None
        clone.save()
        for item in indicators + groups:
            item.pk, item.scheme = None, clone
            item.save()
        return clone


class Indicator(models.Model):
    """One indicator category of a scheme with its maximum points."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="indicator_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_points}）"


class EvaluatorGroup(models.Model):
    """An evaluator group of a scheme with its relative weight."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(
        _("weight"),
        max_digits=9,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("evaluator group")
        verbose_name_plural = _("evaluator groups")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="group_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="group_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SignInFailure(models.Model):
    """One wrong password for a user name (normalized), kept for the sign-in throttle."""

    username = models.CharField(_("user name"), max_length=150, db_index=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
