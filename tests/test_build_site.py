"""The static site's pages: navigation, a note under every widget snapshot, alt text on figures."""

from __future__ import annotations

import nbformat

from tools import site_navigation, site_pages, site_widgets


def _entries(n):
    return [{"href": f"{k:02d}_x.html", "title": f"{k:02d} · Lesson {k}", "objectives": ""} for k in range(n)]


def test_every_page_links_to_its_neighbours_and_the_contents():
    page = "<html><body class='jp'><main>text</main></body></html>"
    entries = _entries(3)
    first, middle, last = (site_navigation.add_navigation(page, entries, k) for k in range(3))
    assert middle.count('class="cnn-nav') == 2  # top and bottom
    assert 'rel="prev" href="00_x.html"' in middle and 'rel="next" href="02_x.html"' in middle
    assert middle.count('href="index.html"') == 2
    assert 'rel="prev"' not in first and 'rel="next" href="01_x.html"' in first
    assert 'rel="next"' not in last and 'rel="prev" href="01_x.html"' in last
    assert middle.index("cnn-nav top") < middle.index("<main>") < middle.index("cnn-nav bottom")


def test_every_widget_snapshot_says_it_needs_a_kernel():
    nb = nbformat.v4.new_notebook()
    view = nbformat.v4.new_output("display_data", data={site_widgets.WIDGET_VIEW_MIME: {"model_id": "abc"}, "text/plain": "w"})
    text = nbformat.v4.new_output("stream", text="hi\n")
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[view, text, view]), nbformat.v4.new_code_cell("x", outputs=[text])]
    assert site_widgets.mark_snapshot_widgets(nb) == 2
    kinds = [("note" if "cnn-live-note" in o.get("data", {}).get("text/html", "") else
              "widget" if site_widgets.WIDGET_VIEW_MIME in o.get("data", {}) else "text") for o in nb.cells[0].outputs]
    assert kinds == ["widget", "note", "text", "widget", "note"]
    assert "make lab" in site_widgets.LIVE_NOTE


def test_figures_get_alt_text_from_their_titles():
    assert site_pages.figure_alt_text('show_images(x, title="Three examples")', "L") == "Figure: Three examples"
    assert site_pages.figure_alt_text('ax.set_title(f"digit {k}")\nfig.suptitle("All")', "L") == "Figure: digit …; All"
    assert "code cell above (L)" in site_pages.figure_alt_text("plt.imshow(x)", "L")
    page = ('<img src="data:image/png;base64,AAA"><img id="_anim_img1" src=""><img alt="kept" src="data:image/png;base64,B">'
            '<img src="data:image/png;base64,C">')
    out = site_pages.add_alt_text(page, ["first", "second"])
    assert 'alt="first" src="data:image/png;base64,AAA"' in out
    assert 'alt="Animation: press play' in out
    assert 'alt="kept"' in out and out.count('alt="kept"') == 1
    assert 'alt="second" src="data:image/png;base64,C"' in out
    assert 'alt="Figure: a &quot;b&quot;"' in site_pages.add_alt_text('<img src="data:image/png;base64,D">', ['Figure: a "b"'])


def test_image_alts_follow_the_image_outputs_in_order():
    nb = nbformat.v4.new_notebook()
    png = nbformat.v4.new_output("display_data", data={"image/png": "AAA", "text/plain": "<Figure>"})
    nb.cells = [nbformat.v4.new_code_cell('show(title="one")', outputs=[png]),
                nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell('plot(title="two")', outputs=[png, png])]
    assert site_pages.image_alts(nb, "L") == ["Figure: one", "Figure: two", "Figure: two"]


def test_widgets_without_an_offline_renderer_become_a_note_and_leave_the_state():
    nb = nbformat.v4.new_notebook()
    state = {
        "box": {"model_module": "@jupyter-widgets/controls", "state": {"children": ["IPY_MODEL_aa", "IPY_MODEL_cc"]}},
        "aa": {"model_module": "@jupyter-widgets/controls", "state": {}},
        "cc": {"model_module": "ipycanvas", "state": {}},
        "ok": {"model_module": "@jupyter-widgets/controls", "state": {}},
        "uses_cc": {"model_module": "@jupyter-widgets/base", "state": {"layout": "IPY_MODEL_cc"}},
    }
    nb.metadata["widgets"] = {site_widgets.WIDGET_STATE_MIME: {"state": state}}

    def view(model_id):
        return nbformat.v4.new_output("display_data", data={site_widgets.WIDGET_VIEW_MIME: {"model_id": model_id}})

    nb.cells = [nbformat.v4.new_code_cell("a", outputs=[view("box")]), nbformat.v4.new_code_cell("b", outputs=[view("ok")])]
    assert site_widgets.replace_kernel_only_widgets(nb) == 1
    note = nb.cells[0].outputs[0]["data"]["text/html"]
    assert "cnn-needs-kernel" in note and "ipycanvas" in note
    assert site_widgets.WIDGET_VIEW_MIME in nb.cells[1].outputs[0]["data"]
    kept = nb.metadata["widgets"][site_widgets.WIDGET_STATE_MIME]["state"]
    assert sorted(kept) == ["ok"]  # the canvas, the box holding it, its parts and what refers to it are gone
