"""The privacy orientation: what every person named on a request reads, and its short quiz."""

from __future__ import annotations

from dataclasses import dataclass

MODULE_VERSION = "2026.1"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    choices: tuple[tuple[str, str], ...]
    answer: str


QUIZ: tuple[Question, ...] = (
    Question(
        "minimum",
        "A request should ask for…",
        (
            ("all", "every element that might be useful later"),
            ("minimum", "only the elements, years and students the study needs"),
            ("identifiers", "names and birth dates, so records can be checked by hand"),
        ),
        "minimum",
    ),
    Question(
        "small_cells",
        "A table shows 4 students in one small district. Before it leaves the workspace…",
        (
            ("publish", "it can be published: 4 is not a name"),
            ("check", "it must pass the output check, which suppresses or combines small cells"),
            ("email", "it may be emailed to a colleague for review"),
        ),
        "check",
    ),
    Question(
        "incident",
        "You think data may have been exposed. You…",
        (
            ("wait", "wait to be sure before telling anyone"),
            ("report", "report it to the privacy officer at once"),
            ("delete", "delete the files and say nothing"),
        ),
        "report",
    ),
    Question(
        "reuse",
        "Data received for one approved project may be used…",
        (
            ("project", "only for that project, by the people named on it"),
            ("any", "for any study of the same team"),
            ("share", "by anyone at the same university"),
        ),
        "project",
    ),
)


def quiz_score(answers: dict[str, str]) -> tuple[int, list[str]]:
    """The number of right answers, and the keys of the questions answered wrongly."""
    wrong = [question.key for question in QUIZ if answers.get(question.key) != question.answer]
    return len(QUIZ) - len(wrong), wrong
