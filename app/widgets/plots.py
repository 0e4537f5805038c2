"""pyqtgraph plots as the sound panels use them: dark, no context menus, nothing left behind.

pyqtgraph gives every plot parentless context menus (top-level windows owned by Python); with the
menus off they are handed to the plot widget, so they are deleted with it instead of outliving it.
"""

from __future__ import annotations

import pyqtgraph as pg


def plot_widget(title: str | None = None) -> pg.PlotWidget:
    """A ``PlotWidget`` without context menus whose menus die with it."""
    widget = pg.PlotWidget(title=title)
    own_menus(widget)
    return widget


def own_menus(widget: pg.PlotWidget) -> None:
    widget.setMenuEnabled(False)
    item = widget.getPlotItem()
    for menu in (item.ctrlMenu, item.getViewBox().menu):
        if menu is not None:
            menu.setParent(widget, menu.windowFlags())
