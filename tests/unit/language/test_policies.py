"""``policies.yaml``: read beside the campaigns, checked at line and column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from interpreter.daemon.campaigns import Campaigns
from interpreter.language.loader import campaign_files, load_paths
from interpreter.language.policies import NO_POLICIES, Rate, load_policies, policies_from_text
from interpreter.store.memory import MemoryStore

CAMPAIGN = """\
id: hello
on: {event: app/user.signup}
steps:
  - id: log
    action: log
    with: {message: hi}
"""


def _folder(tmp_path: Path, policies: str | None) -> Path:
    (tmp_path / "hello.yaml").write_text(CAMPAIGN)
    if policies is not None:
        (tmp_path / "policies.yaml").write_text(policies)
    return tmp_path


def test_a_send_rate_is_read() -> None:
    policies, problems = policies_from_text("send_rate: {limit: 14, period: 1s}\n", "p.yaml")
    assert problems == []
    assert policies.send_rate == Rate(14, timedelta(seconds=1))
    assert policies.source_file == "p.yaml"


def test_a_file_of_comments_has_no_rules_and_no_problem() -> None:
    policies, problems = policies_from_text("# nothing yet\n", "p.yaml")
    assert problems == [] and policies.send_rate is None and policies.source_file == "p.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send_rate: {limit: 0, period: 1s}\n", "p.yaml:1:20: error bad-limit"),
        ("send_rate: {limit: 2, period: soon}\n", "p.yaml:1:31: error bad-duration"),
        ("send_rate: {limit: 2, period: 0s}\n", "p.yaml:1:31: error bad-duration"),
        ("send_rate:\n  limit: 2\n", "p.yaml:1:1: error schema send_rate needs the key 'period'"),
        ("sendrate: {limit: 2, period: 1s}\n", "p.yaml:1:1: error unknown-key"),
        ("send_rate: {limit: two, period: 1s}\n", "p.yaml:1:20: error schema"),
        ("- a list\n", "p.yaml:1:1: error root-not-mapping"),
    ],
)
def test_mistakes_are_reported_where_they_stand(text: str, expected: str) -> None:
    policies, problems = policies_from_text(text, "p.yaml")
    assert policies == NO_POLICIES
    assert problems and problems[0].as_text().startswith(expected), problems


def test_lint_of_the_folder_reports_the_policies_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "send_rate: {limit: 0, period: 1s}\n")
    assert campaign_files(folder) == [folder / "hello.yaml"]  # never read as a campaign
    workflows, problems = load_paths([folder])
    assert [w.id for w in workflows] == ["hello"]
    assert [(Path(p.file).name, p.code) for p in problems] == [("policies.yaml", "bad-limit")]


def test_the_campaigns_carry_their_folders_policies(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "send_rate: {limit: 5, period: 2s}\n")
    workflows, problems = load_paths([folder / "hello.yaml"])
    assert problems == []
    campaigns = Campaigns(MemoryStore(), workflows)
    assert campaigns.policies.send_rate == Rate(5, timedelta(seconds=2))


def test_without_a_file_nothing_changes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None)
    workflows, problems = load_paths([folder])
    assert problems == []
    assert Campaigns(MemoryStore(), workflows).policies == NO_POLICIES


def test_two_folders_with_two_files_are_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, limit in ((first, 1), (second, 2)):
        folder.mkdir()
        _folder(folder, f"send_rate: {{limit: {limit}, period: 1s}}\n")
    policies, problems = load_policies([first, second])
    assert policies == NO_POLICIES
    assert [p.code for p in problems] == ["conflicting-policies"]


CATEGORIES = """\
default_category: marketing
categories:
  marketing:
    caps:
      - {limit: 1, per: 1d}
      - {limit: 2, per: 7d}
  tips:
    caps: [{limit: 3, per: 1d}]
  receipts:
    transactional: true
"""


def test_categories_and_their_caps_are_read() -> None:
    policies, problems = policies_from_text(CATEGORIES, "p.yaml")
    assert problems == []
    assert set(policies.categories) == {"marketing", "tips", "receipts"}
    marketing = policies.categories["marketing"]
    assert [(c.limit, c.per) for c in marketing.caps] == [
        (1, timedelta(days=1)),
        (2, timedelta(days=7)),
    ]
    assert policies.categories["receipts"].transactional
    assert not policies.categories["receipts"].caps
    # A send's category: its own, else its campaign's, else the default.
    assert policies.category_of("tips", "receipts") is policies.categories["tips"]
    assert policies.category_of(None, "receipts") is policies.categories["receipts"]
    assert policies.category_of(None, None) is marketing
    assert NO_POLICIES.category_of("tips", None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "default_category: marketting\ncategories: {marketing: {}}\n",
            "p.yaml:1:19: error unknown-category unknown category 'marketting';"
            " did you mean 'marketing'?",
        ),
        (
            "categories:\n  tips:\n    caps: [{limit: 0, per: 1d}]\n",
            "p.yaml:3:20: error bad-limit",
        ),
        (
            "categories:\n  tips:\n    caps: [{limit: 1, per: daily}]\n",
            "p.yaml:3:28: error bad-duration",
        ),
        ("categories:\n  Tips: {}\n", "p.yaml:2:3: error schema"),
    ],
)
def test_category_mistakes_are_reported_where_they_stand(text: str, expected: str) -> None:
    _, problems = policies_from_text(text, "p.yaml")
    assert problems and problems[0].as_text().startswith(expected), problems


def test_a_campaign_naming_an_unknown_category_fails_lint(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text(CATEGORIES)
    (tmp_path / "hello.yaml").write_text(
        CAMPAIGN.replace("steps:", "category: tipss\nsteps:")
        + "  - id: mail\n    action: email.send\n"
        + "    with: {to: a@example.com, subject: hi, text: hi, category: reciepts}\n"
    )
    _, problems = load_paths([tmp_path])
    assert [p.as_text().split(" ", 1)[0] for p in problems] == [
        f"{tmp_path}/hello.yaml:3:11:",
        f"{tmp_path}/hello.yaml:10:64:",
    ]
    assert "did you mean 'tips'?" in problems[0].message
    assert "did you mean 'receipts'?" in problems[1].message


def test_a_category_without_policies_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "hello.yaml").write_text(CAMPAIGN.replace("steps:", "category: tips\nsteps:"))
    _, problems = load_paths([tmp_path])
    assert [p.code for p in problems] == ["unknown-category"]
    assert "defines no categories" in problems[0].message
