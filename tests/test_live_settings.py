"""bookkit.live.widgets in Python: each widget's module is engine.js + ui.js + its own file, and a
setting a slider cannot show is refused with the reason (no browser needed)."""

import pytest
import traitlets

from bookkit.live import widgets as live


@pytest.mark.parametrize("cls", [live.Neuron, live.ChainRule, live.Descent, live.Playground])
def test_each_widget_carries_the_engine_the_shared_ui_and_its_own_code(cls):
    esm = cls()._esm
    for name in ("engine.js", "ui.js", cls.FILE):
        assert (live.HERE / name).read_text(encoding="utf-8") in esm, name
    assert esm.startswith("const PALETTE = ") and "export default { render }" in esm
    assert cls()._css == live.style()


def test_settings_are_saved_in_the_widget_state():
    state = live.Descent(start=[1.0, -2.0], learning_rate=0.25, momentum=0.5).get_state()
    assert (state["start"], state["learning_rate"], state["momentum"]) == ([1.0, -2.0], 0.25, 0.5)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: live.Neuron(w=5.0), r"w = 5.0 is outside the slider's range \[-4.0, 4.0\]"),
        (lambda: live.Descent(learning_rate=0.5), r"learning_rate = 0.5 is outside"),
        (lambda: live.Descent(start=[4.0, 0.0]), r"must lie in the square"),
        (lambda: live.Playground(hidden=[9]), r"each layer has 1 to 8 units"),
        (lambda: live.Playground(hidden=[2, 2, 2, 2]), r"hidden"),
        (lambda: live.Playground(batch_size=500), r"batch_size = 500 is outside"),
        (lambda: live.Neuron(activation="softplus"), r"activation"),
    ],
)
def test_a_setting_the_widget_cannot_show_is_refused_with_the_reason(make, message):
    with pytest.raises(traitlets.TraitError, match=message):
        make()
