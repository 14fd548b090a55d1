#!/usr/bin/env python3
"""Turns a terminal screen captured with ANSI colours (`tmux capture-pane -e -p -N`)
into an SVG picture of that screen, for the README and docs/.

Standard library only. Reads the capture on stdin, writes SVG on stdout:

    tmux capture-pane -e -p -N -t demo | scripts/ansi2svg.py --cols 120 --rows 32 > shot.svg

Each cell keeps its character, colours and weight; runs of cells of one style
become one <text> whose textLength pins it to the grid, so the columns line
up whatever monospace font the viewer has.
"""

import argparse
import html
import re
import sys

# xterm's 16 colours, as most terminal themes draw them.
BASE16 = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
DEFAULT_FG = "#d0d0d0"
BLOCKS = "▁▂▃▄▅▆▇█"
DEFAULT_BG = "#1c1c1c"


def colour256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


class Style:
    __slots__ = ("fg", "bg", "bold", "reverse", "underline", "dim")

    def __init__(self):
        self.fg = None
        self.bg = None
        self.bold = False
        self.reverse = False
        self.underline = False
        self.dim = False

    def copy(self):
        s = Style()
        for k in self.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def key(self):
        return tuple(getattr(self, k) for k in self.__slots__)

    def colours(self):
        fg = self.fg or DEFAULT_FG
        bg = self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        return fg, bg


def apply_sgr(style, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            style = Style()
        elif c == 1:
            style.bold = True
        elif c == 2:
            style.dim = True
        elif c == 4:
            style.underline = True
        elif c == 7:
            style.reverse = True
        elif c == 22:
            style.bold = style.dim = False
        elif c == 24:
            style.underline = False
        elif c == 27:
            style.reverse = False
        elif 30 <= c <= 37:
            style.fg = BASE16[c - 30]
        elif 90 <= c <= 97:
            style.fg = BASE16[c - 90 + 8]
        elif 40 <= c <= 47:
            style.bg = BASE16[c - 40]
        elif 100 <= c <= 107:
            style.bg = BASE16[c - 100 + 8]
        elif c == 39:
            style.fg = None
        elif c == 49:
            style.bg = None
        elif c in (38, 48) and i + 1 < len(codes):
            if codes[i + 1] == 5 and i + 2 < len(codes):
                value = colour256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                value = "#%02x%02x%02x" % tuple(codes[i + 2 : i + 5])
                i += 4
            else:
                value = None
            if c == 38:
                style.fg = value
            else:
                style.bg = value
        i += 1
    return style


ESCAPE = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")


def parse(text, cols, rows):
    grid = [[(" ", Style()) for _ in range(cols)] for _ in range(rows)]
    style = Style()
    for y, line in enumerate(text.split("\n")[:rows]):
        x = 0
        pos = 0
        while pos < len(line):
            m = ESCAPE.match(line, pos)
            if m:
                if m.group(2) == "m":
                    style = apply_sgr(style.copy(), m.group(1))
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            if ch < " ":
                continue
            if x < cols:
                grid[y][x] = (ch, style.copy())
            x += 1
    return grid


def render(grid, cols, rows, title):
    cw, ch, pad = 8.4, 17.0, 12
    width = cols * cw + 2 * pad
    height = rows * ch + 2 * pad
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="100%" height="100%" rx="6" fill="{DEFAULT_BG}"/>',
        '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14px">',
    ]
    for y, row in enumerate(grid):
        x = 0
        while x < cols:
            start = x
            key = row[x][1].key()
            while x < cols and row[x][1].key() == key:
                x += 1
            style = row[start][1]
            fg, bg = style.colours()
            left = pad + start * cw
            top = pad + y * ch
            if bg != DEFAULT_BG:
                out.append(
                    f'<rect x="{left:.1f}" y="{top:.1f}" width="{(x - start) * cw:.1f}" '
                    f'height="{ch:.1f}" fill="{bg}"/>'
                )
            text = "".join(c for c, _ in row[start:x])
            # Block elements (sparklines, bars) are drawn as rectangles:
            # fonts give them widths that would break the grid.
            for i, c in enumerate(text):
                if c in BLOCKS:
                    eighths = BLOCKS.index(c) + 1
                    out.append(
                        f'<rect x="{left + i * cw:.1f}" y="{top + ch * (1 - eighths / 8):.1f}" '
                        f'width="{cw:.1f}" height="{ch * eighths / 8:.1f}" fill="{fg}"/>'
                    )
            text = "".join(" " if c in BLOCKS else c for c in text)
            if text.strip():
                attrs = f'fill="{fg}"'
                if style.bold:
                    attrs += ' font-weight="bold"'
                if style.dim:
                    attrs += ' opacity="0.6"'
                if style.underline:
                    attrs += ' text-decoration="underline"'
                out.append(
                    f'<text x="{left:.1f}" y="{top + ch * 0.78:.1f}" {attrs} '
                    f'textLength="{(x - start) * cw:.1f}" lengthAdjust="spacingAndGlyphs" '
                    f'xml:space="preserve">{html.escape(text)}</text>'
                )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--title", default="pprof-tui")
    args = parser.parse_args()
    grid = parse(sys.stdin.read(), args.cols, args.rows)
    sys.stdout.write(render(grid, args.cols, args.rows, args.title))


if __name__ == "__main__":
    main()
