"""Display filters: how numbers look on a page, never how they are computed."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate rounded to 4 decimals shown as a percentage with 2: 0.8750 → 87.50%."""
    if rate is None:
        return "—"
    return f"{rate * 100:.2f}%"


@register.filter
def plain(value: Decimal | None) -> str:
    """A stored decimal without trailing zeros: 0.6000 → 0.6, 20.00 → 20."""
    if value is None:
        return "—"
    return format(value.normalize(), "f")
