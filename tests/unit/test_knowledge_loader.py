"""Loading articles: every problem names the file and the line, and never stops the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, Problem, check_directory

GOOD = """---
id: {id}
title: "VPN ansluter inte"
lang: {lang}
tags: ["vpn", "hemma"]
---
Starta om VPN-klienten.
"""


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(root: Path) -> Problem:
    (problem,) = check_directory(root)
    return problem


def test_good_article_loads_with_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sv/vpn.md",
        GOOD.format(id="vpn-connect", lang="sv").replace(
            "tags:", 'service: "Distansarbete"\ntags:'
        ),
    )
    base = KnowledgeBase.from_directory(tmp_path)
    assert base.problems == ()
    article = base.get("vpn-connect", "sv")
    assert article is not None
    assert (article.title, article.lang) == ("VPN ansluter inte", "sv")
    assert article.service == "Distansarbete"
    assert article.tags == ("vpn", "hemma")
    assert article.body == "Starta om VPN-klienten."
    assert article.path == path


def test_id_defaults_to_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "sv/vpn-connect.md", '---\ntitle: "VPN"\n---\nText.\n')
    base = KnowledgeBase.from_directory(tmp_path)
    assert [article.id for article in base.articles()] == ["vpn-connect"]
    assert base.articles()[0].lang == "sv"


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ('title: "VPN\ntags: [vpn]', 2),  # the quote opened on line 2 is never closed
        ("title: VPN\ntags: [vpn, hemma\nservice: x", 3),  # nor is the bracket on line 3
        ("title: VPN\n  bad: indent", 3),
    ],
)
def test_malformed_front_matter_names_the_line_to_fix(
    tmp_path: Path, front: str, line: int
) -> None:
    path = write(tmp_path, "sv/broken.md", f"---\n{front}\n---\nText.\n")
    problem = only_problem(tmp_path)
    assert (problem.path, problem.line) == (path, line)
    assert problem.message.startswith("malformed front matter")
    assert str(problem).startswith(f"{path}:{line}: malformed front matter")


def test_missing_title(tmp_path: Path) -> None:
    path = write(tmp_path, "sv/untitled.md", "---\nid: untitled\ntags: [vpn]\n---\nText.\n")
    assert only_problem(tmp_path) == Problem(path, 1, "missing title")


def test_bad_language_names_the_lang_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sv/german.md", '---\ntitle: "VPN"\nlang: de\n---\nText.\n')
    problem = only_problem(tmp_path)
    assert (problem.path, problem.line) == (path, 3)
    assert "bad language 'de'" in problem.message


def test_language_must_match_its_directory(tmp_path: Path) -> None:
    write(tmp_path, "sv/english.md", '---\ntitle: "VPN"\nlang: en\n---\nText.\n')
    assert "does not match its directory" in only_problem(tmp_path).message


def test_unsupported_language_directory(tmp_path: Path) -> None:
    write(tmp_path, "de/vpn.md", GOOD.format(id="vpn", lang="de"))
    problem = only_problem(tmp_path)
    assert problem.path == tmp_path / "de"
    assert "unsupported language directory 'de'" in problem.message


def test_duplicate_id_keeps_the_first_and_names_the_other(tmp_path: Path) -> None:
    first = write(tmp_path, "sv/a.md", GOOD.format(id="vpn", lang="sv"))
    second = write(tmp_path, "sv/b.md", GOOD.format(id="vpn", lang="sv"))
    problem = only_problem(tmp_path)
    assert (problem.path, problem.line) == (second, 2)
    assert "duplicate id 'vpn'" in problem.message
    assert str(first) in problem.message
    base = KnowledgeBase.from_directory(tmp_path)
    assert [article.path for article in base.articles()] == [first]


def test_same_id_in_two_languages_is_a_translation(tmp_path: Path) -> None:
    write(tmp_path, "sv/vpn.md", GOOD.format(id="vpn", lang="sv"))
    write(tmp_path, "en/vpn.md", GOOD.format(id="vpn", lang="en"))
    base = KnowledgeBase.from_directory(tmp_path)
    assert base.problems == ()
    assert {article.lang for article in base.articles()} == {"sv", "en"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Bara text, ingen front matter.\n", 1, "missing front matter"),
        ('---\ntitle: "VPN"\nText utan slut.\n', 1, "not closed"),
        ("---\n- en\n- lista\n---\nText.\n", 2, "key: value"),
        ('---\ntitle: "VPN"\n---\n\n', 4, "no body"),
        ('---\ntitle: "VPN"\ntags: "vpn, hemma"\n---\nText.\n', 3, "tags must be a list"),
        ('---\ntitle: "VPN"\nid: "Två ord"\n---\nText.\n', 3, "bad id"),
        ("---\n---\nText.\n", 1, "missing title"),
    ],
)
def test_broken_file_is_reported_with_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, "sv/broken.md", text)
    problem = only_problem(tmp_path)
    assert (problem.path, problem.line) == (path, line)
    assert message in problem.message


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sv" / "latin1.md"
    path.parent.mkdir()
    path.write_bytes('---\ntitle: "VPN"\n---\nR\xe4tt text.\n'.encode("latin-1"))
    assert only_problem(tmp_path) == Problem(path, 4, "not valid UTF-8")


def test_bad_articles_never_take_the_others_down(tmp_path: Path) -> None:
    write(tmp_path, "sv/good.md", GOOD.format(id="good", lang="sv"))
    write(tmp_path, "sv/broken.md", '---\ntitle: "VPN\n---\n')
    write(tmp_path, "sv/untitled.md", "---\nid: x\n---\nText.\n")
    write(tmp_path, "en/good.md", GOOD.format(id="good", lang="en"))
    base = KnowledgeBase.from_directory(tmp_path)
    assert len(base.problems) == 2
    assert sorted(article.lang for article in base.articles()) == ["en", "sv"]
    assert base.search("vpn", lang="sv")[0].article.id == "good"


def test_editor_leftovers_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# Om kunskapsbanken\n")
    write(tmp_path, "sv/.#vpn.md", "lock")
    write(tmp_path, "sv/vpn.md~", "backup")
    write(tmp_path, "sv/notes.txt", "anteckningar")
    write(tmp_path, "sv/vpn.md", GOOD.format(id="vpn", lang="sv"))
    assert check_directory(tmp_path) == []


def test_missing_directory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    base = KnowledgeBase.from_directory(tmp_path / "nowhere")
    assert base.articles() == ()
    assert base.search("vpn") == []
    assert "not found" in base.problems[0].message


def test_byte_order_mark_and_windows_line_ends_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "sv" / "vpn.md"
    path.parent.mkdir()
    path.write_bytes("\ufeff---\r\ntitle: VPN\r\n---\r\nText.\r\n".encode())
    assert KnowledgeBase.from_directory(tmp_path).get("vpn", "sv") is not None
