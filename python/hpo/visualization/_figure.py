"""Figure: one plot of libhpo, a standalone SVG document, shown inline by Jupyter."""
from __future__ import annotations

import html
import os
import re
import sys
import tempfile

__all__ = ["Figure"]


def _title(svg):
    m = re.search(r"<title>(.*?)</title>", svg, re.S)
    return html.unescape(m.group(1)) if m else "hpo plot"


class Figure:
    """An SVG plot drawn by libhpo. Jupyter shows it inline (_repr_svg_/_repr_html_);
    to_svg() returns the document; write_image(path.svg), write_html(path) and show()
    save or open it. Plotly's layout methods are not there: the SVG is final."""

    def __init__(self, svg, kind=None):
        if not isinstance(svg, str):
            raise TypeError("Figure holds SVG text (str)")
        self._svg = svg
        self.kind = kind

    @property
    def title(self):
        return _title(self._svg)

    def to_svg(self):
        return self._svg

    def _repr_svg_(self):
        return self._svg

    def _repr_html_(self):
        return f'<div class="hpo-figure">{self._svg}</div>'

    def to_html(self, full_html=True):
        """An HTML page embedding the SVG (full_html=False: just the <div>)."""
        if not full_html:
            return self._repr_html_()
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{html.escape(self.title)}</title>\n</head>\n"
                "<body style=\"margin:0;padding:16px;background:#fff\">\n"
                f"{self._repr_html_()}\n</body>\n</html>\n")

    @staticmethod
    def _write(file, text):
        if hasattr(file, "write"):
            file.write(text)
            return
        with open(os.fspath(file), "w", encoding="utf-8") as f:
            f.write(text)

    def write_image(self, file, format=None, scale=None, width=None, height=None,
                    **kwargs):
        """Write the SVG to file, a path ending .svg (or an open text file with
        format="svg"). hpo draws SVG only: any other format raises ValueError."""
        if format is not None and str(format).lower().lstrip(".") != "svg":
            raise ValueError(f"hpo figures are SVG only: format {format!r} is not supported "
                             "(supported: 'svg')")
        for name, value in (("scale", scale), ("width", width), ("height", height)):
            if value is not None:
                raise ValueError(f"write_image: {name} is not supported by hpo (set width and "
                                 "height when calling the plot function)")
        if kwargs:
            raise ValueError(f"write_image: unsupported argument(s) {sorted(kwargs)}")
        if not hasattr(file, "write"):
            ext = os.path.splitext(os.fspath(file))[1]
            if ext.lower() != ".svg":
                raise ValueError(f"hpo figures are SVG only: write_image supports the .svg "
                                 f"extension, got {ext or 'no extension'!r} in {os.fspath(file)!r}")
        elif format is None:
            raise ValueError("write_image to an open file needs format='svg'")
        self._write(file, self._svg)

    def write_html(self, file, full_html=True, **kwargs):
        """Write an HTML page embedding the SVG. Plotly's other options (include_plotlyjs,
        config, auto_open, ...) mean nothing here and are ignored."""
        self._write(file, self.to_html(full_html=full_html))

    def show(self, renderer=None, **kwargs):
        """Inline in a running IPython kernel; else write a temporary .html page and open
        it in a browser when a display is likely, or print its path."""
        ip = sys.modules.get("IPython")
        shell = None
        if ip is not None:
            try:
                shell = ip.get_ipython()
            except Exception:
                shell = None
        if shell is not None and getattr(shell, "kernel", None) is not None:
            from IPython.display import display  # present: the module is loaded
            display(self)
            return
        fd, path = tempfile.mkstemp(prefix="hpo-plot-", suffix=".html")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.to_html())
        if _display_likely():
            import webbrowser
            try:
                if webbrowser.open("file://" + os.path.abspath(path)):
                    return
            except Exception:
                pass
        print(f"hpo: plot written to {path}")

    def __repr__(self):
        return f"<hpo.visualization.Figure {self.kind or 'plot'}: {self.title!r}, " \
               f"{len(self._svg)} bytes of SVG>"


def _display_likely():
    if os.environ.get("HPO_NO_BROWSER"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
