"""Money, shares and numbers in the reader's locale ("1 234 567 kr")."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale

CURRENCY_SUFFIX = {"sv": "kr", "nb": "kr", "en": "SEK"}


def currency_unit() -> str:
    """The reader's word for kronor: "kr" in Swedish and Norwegian, "SEK" in English."""
    return CURRENCY_SUFFIX.get(str(get_locale() or "sv").split("_")[0], "kr")


def money(ore: int | None, with_unit: bool = True) -> str:
    """Öre as whole kronor (öre shown only when there are any)."""
    if ore is None:
        return ""
    locale = str(get_locale() or "sv")
    kronor, rest = divmod(abs(ore), 100)
    number = format_decimal(kronor, locale=locale)
    if rest:
        number = format_decimal(Decimal(abs(ore)).scaleb(-2), format="#,##0.00", locale=locale)
    sign = "−" if ore < 0 else ""
    unit = CURRENCY_SUFFIX.get(locale.split("_")[0], "kr")
    return f"{sign}{number}\u00a0{unit}" if with_unit else f"{sign}{number}"


def share(bps: int | None) -> str:
    """Basis points as a percentage: 2500 → "25 %", 3333 → "33,33 %"."""
    if not bps:
        return ""
    locale = str(get_locale() or "sv")
    return f"{format_decimal(Decimal(bps).scaleb(-2), format='#,##0.##', locale=locale)}\u00a0%"


def number(value: int | None) -> str:
    """A whole number with the locale's digit grouping: 1234 → "1 234"."""
    if value is None:
        return ""
    return format_decimal(value, locale=str(get_locale() or "sv"))


def register_filters(app: object) -> None:
    app.jinja_env.filters["money"] = money  # type: ignore[attr-defined]
    app.jinja_env.filters["share"] = share  # type: ignore[attr-defined]
    app.jinja_env.filters["number"] = number  # type: ignore[attr-defined]
