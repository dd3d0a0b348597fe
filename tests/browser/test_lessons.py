"""Every lesson, run in JupyterLab in headless Chromium, with its widgets used by hand.

For each ``notebooks/*.ipynb``: open it in a fresh workspace, Run All Cells from the
menu, wait for every cell to run, then check there is no error output, every
widget rendered, and no unexplained JavaScript console error. Then do what a
student does with every widget found (``lesson_steps.WIDGET_STEPS``) and check that the
view changed. Screenshots go to ``build/screenshots/``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from lab_driver import (
    NOTEBOOKS,
    LabServer,
    ConsoleWatch,
    element_snapshot,
    error_outputs,
    open_notebook,
    run_all_and_wait,
    save_notebook,
    save_screenshot,
    wait_for,
    wait_for_change,
    widget_report,
)
from lesson_steps import DECK_STEPS, EXPECTED_WIDGETS, WIDGET_PARTS, WIDGET_STEPS
from presenting import PRESENTATION_CHECKS

LESSONS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def lesson_key(name: str) -> str:
    """'06_convolution.ipynb' → '06'."""
    return name.split("_", 1)[0]


def run_timeout_s(name: str) -> float:
    """Bounded wait per lesson: five times its execution budget (60 s, 120 s from lesson 09
    on), because a shared, busy machine runs lessons several times slower."""
    key = lesson_key(name)
    return 600.0 if key.isdigit() and int(key) >= 8 else 300.0


_CNN_CLASSES_JS = """
() => [...new Set([...document.querySelectorAll('.jp-Notebook .jupyter-widgets')]
  .flatMap(e => [...e.classList]).filter(c => c.startsWith('cnn-')))]
"""


def play_first_animation(page, name: str, screenshot: Path) -> None:
    """Press Play on the lesson's first jshtml animation; its frame must change."""
    animations = page.locator(".jp-Notebook .animation")
    if not animations.count():
        return
    animation = animations.first
    animation.scroll_into_view_if_needed(timeout=10_000)
    frame = animation.locator("img").first
    before = frame.get_attribute("src")
    animation.locator('button[title="Play"]').click()
    wait_for(lambda: frame.get_attribute("src") != before, 20, f"{name}: animation to play")
    animation.locator('button[title="Pause"]').click()
    animation.screenshot(path=str(screenshot), timeout=10_000)


def test_every_presentation_check_has_its_lesson() -> None:
    """A check keyed to a lesson that is gone (renumbered, renamed) would silently never run."""
    keys = {lesson_key(name) for name in LESSONS}
    missing = sorted(set(PRESENTATION_CHECKS) - keys)
    assert not missing, f"presenting.PRESENTATION_CHECKS names lessons that do not exist: {missing}"
    assert set(DECK_STEPS) <= set(PRESENTATION_CHECKS), "every DECK_STEPS lesson must be presented"


@pytest.mark.browser
@pytest.mark.skipif(not LESSONS, reason="no lessons in notebooks/ yet")
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_and_responds(
    name: str, lab_server: LabServer, browser, screenshot_dir: Path
) -> None:
    key = lesson_key(name)
    stem = Path(name).stem
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console = ConsoleWatch()
    console.attach(page)
    try:
        open_notebook(page, lab_server, name)
        run_all_and_wait(page, run_timeout_s(name))
        save_screenshot(page, screenshot_dir, f"{stem}-run")

        errors = error_outputs(page)
        assert not errors, f"{name}: cells raised:\n" + "\n---\n".join(errors)

        rendered, problems = widget_report(page)
        assert not problems, f"{name}: " + "\n".join(problems)
        unexpected = console.unexpected()
        assert not unexpected, f"{name}: JavaScript console errors:\n" + "\n".join(unexpected)
        expected = EXPECTED_WIDGETS.get(key, [])
        missing = [sel for sel in expected if not page.locator(f".jp-Notebook {sel}").count()]
        assert not missing, f"{name}: widgets not shown: {missing}"
        assert rendered >= len(expected), f"{name}: {rendered} widgets rendered"

        # Keep the executed lesson (outputs and widget state) for the static site's test.
        save_notebook(page, lab_server.root / name)
        lab_server.executed[name] = lab_server.root / name

        classes = set(page.evaluate(_CNN_CLASSES_JS))
        known = {sel.lstrip(".") for sel in WIDGET_STEPS} | WIDGET_PARTS
        for css in sorted(classes - known):
            warnings.warn(f"{name}: widget class {css} has no steps in lesson_steps.WIDGET_STEPS")
        present = [sel for sel in WIDGET_STEPS if page.locator(f".jp-Notebook {sel}").count()]
        steps = [(sel, step) for sel in present for step in WIDGET_STEPS[sel]]
        for number, (widget_css, step) in enumerate(steps, 1):
            view = page.locator(step.view).first
            view.wait_for(state="visible", timeout=15_000)
            widget = page.locator(f".jp-Notebook {widget_css}").first
            widget.scroll_into_view_if_needed(timeout=10_000)
            # The widget itself before and after the step (a page screenshot shows whatever the
            # viewport holds, so it can look the same before and after).
            shot = screenshot_dir / f"{stem}-step{number:02d}"
            widget_before = widget.screenshot(path=f"{shot}-before.png", timeout=10_000, animations="disabled")
            before = element_snapshot(view)
            step.act(page)
            wait_for_change(view, before, f"{name}: {step.description} to change {step.view}")
            widget.scroll_into_view_if_needed(timeout=10_000)
            widget_after = widget.screenshot(path=f"{shot}-after.png", timeout=10_000, animations="disabled")
            assert widget_after != widget_before, (
                f"{name}: the screenshots of {widget_css} before and after {step.description} are identical")
            errors = error_outputs(page)
            assert not errors, f"{name}: after {step.description}:\n" + "\n".join(errors)
        play_first_animation(page, name, screenshot_dir / f"{stem}-animation.png")
        # An instructor's use of the same page (dark theme, slides): no second run of the lesson.
        present = PRESENTATION_CHECKS.get(key)
        if present is not None:
            present(page, lab_server, name, screenshot_dir)

        unexpected = console.unexpected()
        assert not unexpected, f"{name}: JavaScript console errors:\n" + "\n".join(unexpected)
    except Exception as error:
        # Say what JupyterLab itself saw (kernel starts, restarts, saves) next to the failure.
        raise AssertionError(
            f"{error}\n--- JupyterLab log (tail) ---\n{lab_server.log_tail(3000)}"
        ) from error
    finally:
        try:
            save_screenshot(page, screenshot_dir, f"{stem}-last")
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
        context.close()
        lab_server.shutdown_kernels()
