"""Styling many cells of an openpyxl sheet at the cost of a few.

Setting a font or border on a cell makes openpyxl hash the style object and look
it up in the workbook's style lists; over a few hundred cells that was most of
the time a 送付リスト took. Cells that start alike end alike, so each distinct
starting style is styled once and the result copied to the rest.
"""
from __future__ import annotations

from copy import copy
from typing import Iterable


def style_cells(cells: Iterable, **attrs) -> None:
    """Set the same attributes (font=, border=, alignment=, fill=, number_format=) on every cell, in order.

    The workbook's style lists gain entries in the same order as setting each cell
    one by one would add them, so the saved file is byte-for-byte the same.
    """
    done: dict[tuple, object] = {}
    for cell in cells:
        before = tuple(cell._style or ())   # None until a cell is first styled
        after = done.get(before)
        if after is None:
            for name, value in attrs.items():
                setattr(cell, name, value)
            done[before] = copy(cell._style)
        else:
            cell._style = copy(after)
