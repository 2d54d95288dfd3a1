"""Lexicon errors an admin can act on: each names the admin's own file, the rule's id and its line there.

Every case writes a site config and its lexicon to a folder of its own and runs the real command."""

from __future__ import annotations

from pathlib import Path

import pytest

from kasuhara_live.judge.lexicon import entry_lines
from tests.conftest import REPO
from tests.test_cli import assert_one_line_error, run_cli

RUDE = '[[term]]\nid = "rude"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["アホンダラ"]\n'


def site_with(tmp_path: Path, lexicon: str | None, *, shipped: str = '"lexicon.toml", ') -> Path:
    """A site folder with ``site.toml`` listing the shipped lexicon and ``lx1.toml`` (written unless None)."""
    folder = tmp_path / "site"
    folder.mkdir()
    site = folder / "site.toml"
    site.write_text(f'[judge]\nmodel_file = ""\nlexicon_files = [{shipped}"lx1.toml"]\n', encoding="utf-8")
    if lexicon is not None:
        (folder / "lx1.toml").write_text(lexicon, encoding="utf-8")
    return site


def test_a_typo_in_the_first_term_names_the_site_file_the_id_and_the_line(tmp_path: Path) -> None:
    site = site_with(tmp_path, '# our words\n\n[[term]]\nid = "rude"\ncategory = "rudeness"\naxis = "conduct"\n'
                               'phrases = ["アホンダラ"]\n')
    proc = run_cli("check-config", "--config", str(site))
    assert_one_line_error(proc, f"{site.parent / 'lx1.toml'}, line 4, term (id 'rude'): category = 'rudeness'")
    assert "lexicon.toml" not in proc.stderr.replace(str(site.parent / "lx1.toml"), "")


def test_a_missing_site_lexicon_is_looked_for_beside_the_site_file(tmp_path: Path) -> None:
    site = site_with(tmp_path, None)
    proc = run_cli("check-config", "--config", str(site))
    assert_one_line_error(proc, f"lexicon file not found: {site.parent / 'lx1.toml'} (listed in "
                                f"judge.lexicon_files of {site})")
    assert "configs" not in proc.stderr


def test_a_term_without_an_id_is_named_by_its_header_line(tmp_path: Path) -> None:
    site = site_with(tmp_path, RUDE + '\n[[term]]\ncategory = "abuse"\naxis = "conduct"\nphrases = ["ボケナス"]\n')
    assert_one_line_error(run_cli("check-config", "--config", str(site)),
                          f"{site.parent / 'lx1.toml'}, line 7, term: id = None is not allowed")


def test_an_id_used_twice_names_both_files_and_lines(tmp_path: Path) -> None:
    shipped = REPO / "configs" / "lexicon.toml"
    line = entry_lines(shipped.read_text(encoding="utf-8"), "term")[0]
    first_id = shipped.read_text(encoding="utf-8").splitlines()[line - 1].split('"')[1]
    site = site_with(tmp_path, f'[[term]]\nid = "{first_id}"\ncategory = "abuse"\naxis = "conduct"\n'
                               'phrases = ["アホンダラ"]\n')
    assert_one_line_error(run_cli("check-config", "--config", str(site)),
                          f"{site.parent / 'lx1.toml'}, line 2, term (id '{first_id}'): the id is defined twice, "
                          f"first at {shipped}, line {line}, term (id '{first_id}')")


@pytest.mark.parametrize(("entry", "expected"), [
    ('[[exception]]\nid = "our_sutra"\nphrases = ["アホンダラ経"]\nexamples = []\n',
     "line 2, exception (id 'our_sutra'): examples: expected a non-empty list of non-empty strings"),
    ('[[term]]\nid = "rude"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["アホンダラ"]\ncounterexamples = [1]\n',
     "line 2, term (id 'rude'): counterexamples: expected a non-empty list of non-empty strings"),
    ('[[exception]]\nid = "tiny"\nphrases = ["あ"]\n',
     "line 2, exception (id 'tiny'): phrase 'あ' is too short to match safely"),
    ('[[construction]]\nid = "half"\ncategory = "abuse"\naxis = "conduct"\nparts = [["お前"]]\n',
     "line 2, construction (id 'half'): parts must be a list of at least two phrase lists"),
    ('[[term]]\nid = "rude"\ncategory = "abuse"\naxis = "conduct"\nphrase = ["アホンダラ"]\n',
     "line 2, term (id 'rude'): unknown key 'phrase'"),
    ('[[construction]]\nid = "half"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["お前"]\n',
     "line 2, construction (id 'half'): unknown key 'phrases'"),
])
def test_every_rule_error_names_file_id_and_line(tmp_path: Path, entry: str, expected: str) -> None:
    site = site_with(tmp_path, entry)
    assert_one_line_error(run_cli("check-config", "--config", str(site)), f"{site.parent / 'lx1.toml'}, {expected}")


def test_check_config_lists_every_file_it_loaded(tmp_path: Path) -> None:
    site = site_with(tmp_path, RUDE)
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0, proc.stderr
    loaded = [line.removeprefix("loaded ") for line in proc.stdout.splitlines() if line.startswith("loaded ")]
    configs = REPO / "configs"
    assert loaded == [str(configs / "default.toml"), str(site), str(configs / "word-classes.toml"),
                      str(configs / "lexicon.toml"), str(site.parent / "lx1.toml"), str(configs / "scripts.toml")]


def test_a_site_may_keep_its_own_copy_of_a_shipped_name(tmp_path: Path) -> None:
    # a lexicon.toml beside the site file is the site's, not the shipped one
    site = site_with(tmp_path, RUDE)
    (site.parent / "lexicon.toml").write_text('[[term]]\nid = "bokenasu"\ncategory = "abuse"\naxis = "conduct"\n'
                                              'phrases = ["ボケナス"]\n', encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0, proc.stderr
    assert f"loaded {site.parent / 'lexicon.toml'}\n" in proc.stdout and "ok: 2 terms" in proc.stdout


def test_entry_lines_finds_each_id_line_or_else_the_header() -> None:
    text = ('[[term]]\n# a comment\nid = "a"\n\n[[construction]]\nid = "c"\nparts = [\n  ["x"],\n  ["y"],\n]\n'
            '[[term]]\nphrases = ["b"]\n[grammar]\nid = "not a term"\n[[term]]\n  id = "d"\n')
    assert entry_lines(text, "term") == [3, 11, 16]
    assert entry_lines(text, "construction") == [6]
    assert entry_lines(text, "exception") == []


def test_an_error_in_a_site_grammar_table_names_the_site_file(tmp_path: Path) -> None:
    site = site_with(tmp_path, '[grammar]\nharm_verb = ["殺す"]\n')
    assert_one_line_error(run_cli("check-config", "--config", str(site)),
                          f"{site.parent / 'lx1.toml'} [grammar]: unknown key 'harm_verb'")


def test_entries_written_as_something_else_are_one_line_too(tmp_path: Path) -> None:
    site = site_with(tmp_path, "term = 5\n")
    assert_one_line_error(run_cli("check-config", "--config", str(site)),
                          f"{site.parent / 'lx1.toml'}: term must be written as [[term]] tables")
