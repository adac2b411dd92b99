"""The sv and nb catalogues translate every extracted message and keep its blanks."""

from __future__ import annotations

import ast
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
LANGUAGES = ("sv", "nb")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
PERCENT_BLANK = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


TEMPLATE = load(TRANSLATIONS / "messages.pot")
MESSAGES = [m for m in TEMPLATE if m.id]


def key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def texts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def blanks(text: str) -> tuple[set[str], set[str]]:
    """The `{name}` blanks (str.format) and the `%(name)s` placeholders of a text."""
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return braces, set(PERCENT_BLANK.findall(text))


@pytest.fixture(scope="module", params=LANGUAGES)
def translated(request: pytest.FixtureRequest) -> Catalog:
    return load(po_path(request.param), locale=request.param)


def test_the_template_holds_the_messages_pages_and_the_domain_use() -> None:
    ids = {key(m) for m in MESSAGES}
    for expected in ("Budget lines: amounts per year and cost shares per organisation",
                     "No such budget.", "{field} must be text.", "%(num)d budget",
                     "adopted", "facilitator", "voluntary", "running", "pledged", "Not found."):
        assert expected in ids


def test_the_template_is_up_to_date_with_the_sources() -> None:
    """Extraction as scripts/translations runs it (same babel.cfg and keywords) finds no new text."""
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(
        re.findall(r"-k (\S+)", (ROOT / "scripts" / "translations").read_text(encoding="utf-8")))}
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    in_sources = {msg if isinstance(msg, str) else msg[0] for _, _, msg, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords,
        directory_filter=_source_directory)}
    assert "translatable" in keywords and "check_version" in keywords
    stale = in_sources ^ {key(m) for m in MESSAGES}
    assert not stale, f"run ./scripts/translations; new or gone: {sorted(stale)}"


def _source_directory(path: str) -> bool:
    name = Path(path).name
    return not name.startswith((".", "_")) and name not in {"node_modules", "var"}


def test_every_message_has_a_translation_that_is_not_fuzzy(translated: Catalog) -> None:
    assert not translated.fuzzy, "the catalogue header is marked fuzzy; pybabel compile skips it"
    untranslated = []
    for message in MESSAGES:
        found = translated.get(message.id, message.context)
        if (found is None or found.fuzzy or not all(texts(found.string))
                or len(texts(found.string)) != len(texts(message.string))):
            untranslated.append(key(message))
    assert not untranslated, f"{translated.locale}: {len(untranslated)} untranslated: {untranslated}"


def test_every_translation_keeps_the_blanks_of_its_message(translated: Catalog) -> None:
    broken = []
    for message in MESSAGES:
        found = translated.get(message.id, message.context)
        if found is None:
            continue
        wanted = [blanks(text) for text in texts(message.id)]
        for text in texts(found.string):
            # A plural form may name the count or not ("%(num)d budget" / "one budget").
            if text and all(blanks(text) != w for w in wanted):
                broken.append((key(message), text))
    assert not broken, f"{translated.locale}: blanks differ from the message: {broken}"


def test_plural_forms_suit_swedish_and_norwegian(translated: Catalog) -> None:
    assert translated.plural_forms == PLURAL_FORMS
    plural = [m for m in translated if m.id and m.pluralizable]
    assert plural, "the catalogue has no plural message to check"
    assert all(len(m.string) == translated.num_plurals for m in plural)


def test_the_catalogues_compile_without_errors(translated: Catalog, tmp_path: Path) -> None:
    problems = [(key(m), errors) for m, errors in translated.check() if errors]
    assert not problems
    mo = tmp_path / "messages.mo"
    with mo.open("wb") as f:
        write_mo(f, translated)
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    expected = {"sv": ("Budgeten finns inte.", "%(num)d budgetar"),
                "nb": ("Budsjettet finnes ikke.", "%(num)d budsjetter")}[str(translated.locale)]
    assert compiled.gettext("No such budget.") == expected[0]
    assert compiled.ngettext("%(num)d budget", "%(num)d budgets", 3) == expected[1]


def _domain_words() -> dict[str, tuple[str, ...]]:
    from domain import budgets, commitments, plans, services

    return {"BUDGET_STATUSES": budgets.STATUSES, "LINE_KINDS": budgets.LINE_KINDS,
            "ROLES": plans.ROLES, "SECTORS": plans.SECTORS,
            "SERVICE_STAGES": services.STAGES, "COMMITMENT_KINDS": commitments.KINDS,
            "UNITS": tuple(commitments.UNITS.values()), "GENDERS": services.GENDERS}


def test_the_vocabulary_names_every_word_the_domain_stores() -> None:
    from web import vocabulary

    for name, words in _domain_words().items():
        assert set(words) <= set(getattr(vocabulary, name)), name


def _fields_named_in_domain_messages() -> set[str]:
    """Field names given to require_text/int/choice, _decimal and `field=` in domain/."""
    fields = set()
    for path in (ROOT / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if (name in {"require_text", "require_int", "require_choice", "_decimal"}
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)):
                fields.add(node.args[1].value)
            fields.update(k.value.value for k in node.keywords
                          if k.arg == "field" and isinstance(k.value, ast.Constant))
    return fields


def test_every_field_a_domain_message_names_reads_as_words() -> None:
    from web import vocabulary

    fields = _fields_named_in_domain_messages()
    assert {"label", "start_year", "value_ore"} <= fields  # the scan finds them
    assert fields - set(vocabulary.FIELDS) == set()
