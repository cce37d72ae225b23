"""Measures the NLU on the held-out messages in tests/data/nlu/ and writes reports/.

`make eval` runs it after training. For each language it runs `rasa test nlu` on
tests/data/nlu/<language>.yml, then writes reports/nlu-summary.md with the intent
macro-F1 per language, precision/recall/F1 per entity type and extractor, and the
misclassified messages. It then measures the intents alone on the blind set in
tests/data/nlu/blind/ (written after the model choices, never tuned on). Rasa's own
reports (with the confusion matrix images) stay in reports/nlu/<language>/ and
reports/nlu/blind/<language>/. Prints the figures and exits non-zero when a target
is missed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "bot.tar.gz"
REPORTS = ROOT / "reports"
LANGUAGES = ("en", "es")
INTENT_TARGET = 0.95
ENTITY_TARGET = 0.95
TARGET_ENTITIES = ("passport_number", "date_of_birth", "nationality")


def run_rasa_test(test_set: Path, out: Path) -> Path:
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "test",
            "nlu",
            "--model",
            str(MODEL),
            "--nlu",
            str(test_set),
            "--out",
            str(out),
            "--successes",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return out


def entity_scores(out: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{extractor: {entity: {precision, recall, f1-score, support}}} from Rasa's reports."""
    scores = {}
    for report in sorted(out.glob("*_report.json")):
        if report.name == "intent_report.json" or report.name.startswith("response_selection"):
            continue
        data = json.loads(report.read_text())
        scores[report.name.removesuffix("_report.json")] = {
            name: values
            for name, values in data.items()
            if isinstance(values, dict) and "precision" in values and not name.endswith(" avg")
        }
    return scores


def intent_lines(out: Path, label: str, missed: list[str]) -> list[str]:
    """The macro-F1 line (a missed target is added to `missed`), printed too."""
    intents = json.loads((out / "intent_report.json").read_text())
    macro = intents["macro avg"]["f1-score"]
    print(f"[{label}] intent macro-F1 {macro:.3f}")
    if macro < INTENT_TARGET:
        missed.append(f"{label} intent macro-F1 {macro:.3f} < {INTENT_TARGET}")
    return [
        (
            f"Intent macro-F1: **{macro:.3f}** "
            f"(accuracy {intents['accuracy']:.3f}, {intents['macro avg']['support']} messages)"
        ),
        "",
    ]


def error_lines(out: Path) -> list[str]:
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return ["", f"Misclassified messages ({len(errors)}):", ""] + [
        f"- `{e['text']}`: expected {e['intent']}, got {e['intent_prediction']['name']} "
        f"({e['intent_prediction']['confidence']:.2f})"
        for e in errors
    ]


def main() -> int:
    lines = ["# NLU evaluation on the held-out set (tests/data/nlu/)", ""]
    missed: list[str] = []
    best_entity: dict[str, float] = {}
    for language in LANGUAGES:
        out = run_rasa_test(ROOT / "tests" / "data" / "nlu" / f"{language}.yml", REPORTS / "nlu" / language)
        lines += [f"## {language}", ""] + intent_lines(out, language, missed)
        lines += ["| extractor | entity | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
        for extractor, entities in entity_scores(out).items():
            for entity, values in sorted(entities.items()):
                lines.append(
                    f"| {extractor} | {entity} | {values['precision']:.3f} | {values['recall']:.3f} "
                    f"| {values['f1-score']:.3f} | {values['support']} |"
                )
                print(
                    f"[{language}] {extractor} {entity}: P {values['precision']:.3f} "
                    f"R {values['recall']:.3f} F1 {values['f1-score']:.3f} (n={values['support']})"
                )
                key = f"{language}:{entity}"
                best_entity[key] = max(best_entity.get(key, 0.0), values["f1-score"])
        lines += error_lines(out)
        lines += ["", f"Confusion matrix: `reports/nlu/{language}/intent_confusion_matrix.png`", ""]
    lines += [
        "# Blind set (tests/data/nlu/blind/): intents only",
        "",
        "Written from the intent definitions after every model choice was made; never tuned on.",
        "",
    ]
    for language in LANGUAGES:
        out = run_rasa_test(
            ROOT / "tests" / "data" / "nlu" / "blind" / f"{language}.yml",
            REPORTS / "nlu" / "blind" / language,
        )
        lines += (
            [f"## {language} (blind)", ""] + intent_lines(out, f"{language} blind", missed) + error_lines(out)
        )
        lines += [""]
    for language in LANGUAGES:
        for entity in TARGET_ENTITIES:
            score = best_entity.get(f"{language}:{entity}")
            if score is None or score < ENTITY_TARGET:
                missed.append(f"{language} {entity} entity F1 {score} < {ENTITY_TARGET}")
    lines += ["## Targets", ""] + ([f"- missed: {m}" for m in missed] or ["- all met"])
    (REPORTS / "nlu-summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Report: {REPORTS / 'nlu-summary.md'}")
    for message in missed:
        print(f"TARGET MISSED: {message}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
