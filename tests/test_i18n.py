"""The interface is Simplified Chinese by default, and every string has its translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "appraisal" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(po_file: Path) -> dict[str, str]:
    """msgid → msgstr (the first form for plurals; empty when fuzzy) of a .po file."""

    text = po_file.read_text(encoding="utf-8")
    result, current, field = {}, {}, None
    for line in [*text.splitlines(), ""]:
        if line.startswith("#") or not line.strip():
            if "msgid" in current:
                result[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
                if "fuzzy" in current.get("flags", ""):
                    result[current["msgid"]] = ""
            current, field = ({"flags": line} if line.startswith("#,") else {}), None
            continue
        if line.startswith('"'):
            current[field] += eval(line)  # noqa: S307 - a C string literal from our own file
            continue
        field, _, value = line.partition(" ")
        current[field] = eval(value)  # noqa: S307
    result.pop("", None)
    return result


@pytest.fixture(scope="module")
def fresh_msgids(tmp_path_factory) -> set[str]:
    """Every msgid the code has now, extracted by makemessages from a copy of the tree."""
    copy = tmp_path_factory.mktemp("tree")
    for name in ["appraisal", "meetings", "templates", "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    return set(entries(copy / CATALOGUE.relative_to(ROOT)))


def test_every_string_of_the_code_has_a_chinese_translation(fresh_msgids):
    committed = entries(CATALOGUE)
    untranslated = sorted(m for m in fresh_msgids if not committed.get(m))
    assert untranslated == [], "run makemessages and translate these"


def test_the_catalogue_keeps_no_string_the_code_no_longer_has(fresh_msgids):
    assert sorted(set(entries(CATALOGUE)) - fresh_msgids) == []


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for msgid, msgstr in entries(CATALOGUE).items():
        if msgstr:  # the untranslated ones fail the test above
            assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


@pytest.mark.django_db
def test_pages_speak_simplified_chinese_by_default(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-CN">' in html and "登录" in html


@pytest.mark.django_db
def test_english_is_the_second_language(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in html


def test_model_choices_are_translated():
    from appraisal.models import OrgKind

    with translation.override("zh-hans"):
        assert str(OrgKind.NEW_ORG.label) == "两新组织"
