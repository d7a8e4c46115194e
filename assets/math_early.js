// Loaded by a page that comes with formulas to show (ui/theme.py, math_preloads), before NiceGUI mounts the page:
// the renderer (assets/markdown_math.js) finds KaTeX here and draws every formula at its first render. A page
// without this loads KaTeX with the first formula it meets and shows that formula as TeX until then.
import katex from "parley-vendor/katex.min.js";
import "parley-vendor/katex-copy-tex.min.js";

window.parleyKatex = katex;
