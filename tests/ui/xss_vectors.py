"""A corpus of XSS and injection vectors for the browser tests (tests/ui/test_xss_corpus.py).

Each vector, if it ever ran, would leave a trace of its own: set `window.__xss` to `v<number>`, open `alert(<number>)`,
or load a URL under the sink (a local server that records every hit). Placeholders in the templates:
FLAG (the assignment), ALERT (the alert call), SINK (the sink's base URL, `http://127.0.0.1:<port>`), N (the number).
No template contains `[[`, which the fake providers would take for a directive.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vector:
    number: int
    family: str
    text: str


TEMPLATES: list[tuple[str, str]] = [
    # script tags: plain, nested, split, obfuscated, breaking out of a surrounding script
    ('script', "<script>FLAG</script>"),
    ('script', "<SCRIPT SRC=SINK/vN.js></SCRIPT>"),
    ('script', "<scr<script>ipt>FLAG</scr</script>ipt>"),
    ('script', "<script\n>FLAG</script\n>"),
    ('script', "<script/x>FLAG</script>"),
    ('script', "<<script>FLAG;//<</script>"),
    ('script', "</script><script>FLAG</script>"),
    ('script', '<script type="module">import "SINK/vN.js"</script>'),
    ('script', "<ScRiPt>FLAG</sCrIpT>"),
    ('script', "&lt;script&gt;FLAG&lt;/script&gt;"),
    ('script', "`</code><script>FLAG</script>`"),
    # event handlers
    ('handler', '<img src=x onerror="FLAG">'),
    ('handler', '<img src="SINK/vN.png" onload="ALERT">'),
    ('handler', '<svg onload="FLAG"><circle r="4"/></svg>'),
    ('handler', '<svg><animate onbegin="FLAG" attributeName="x" dur="1s"/></svg>'),
    ('handler', '<body onload="FLAG">'),
    ('handler', '<details open ontoggle="FLAG"><summary>open</summary>x</details>'),
    ('handler', '<video src=x onerror="FLAG"></video><video><source onerror="ALERT"></video>'),
    ('handler', '<audio src=x onerror="FLAG"></audio>'),
    ('handler', '<input autofocus onfocus="FLAG">'),
    ('handler', '<marquee onstart="FLAG">marquee</marquee>'),
    ('handler', '<div onmouseover="FLAG">hover me</div>'),
    ('handler', '<a onclick="FLAG">click me</a>'),
    ('handler', '<b onpointerenter="ALERT">bold</b>'),
    ('handler', '<x contenteditable onblur="ALERT">lose focus</x>'),
    ('handler', '<select autofocus onfocus="ALERT"><option>1</option></select>'),
    ('handler', '<img src=x:ALERT onerror=eval(src)>'),
    ('handler', '<img/src=x/onerror=ALERT>'),
    ('handler', '<img src=x onerror\n=ALERT>'),
    ('handler', '<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(N)>'),
    # javascript:, data: and vbscript: in markdown links, autolinks, reference links and raw HTML
    ('url', "[click vN](javascript:FLAG)"),
    ('url', "[click vN](JaVaScRiPt:ALERT)"),
    ('url', "[click vN](&#106;avascript:ALERT)"),
    ('url', "[click vN](java&#x09;script:ALERT)"),
    ('url', "[click vN](<java\tscript:ALERT>)"),
    ('url', "[click vN](jav&#x0A;ascript:ALERT)"),
    ('url', "[click vN](javascript&colon;ALERT)"),
    ('url', "[click vN](  javascript://%0aALERT)"),
    ('url', "[click vN](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ('url', "[click vN](data:text/html,<script>ALERT</script>)"),
    ('url', "[click vN](vbscript:msgbox(N))"),
    ('url', "<javascript:ALERT>"),
    ('url', "<data:text/html,<script>ALERT</script>>"),
    ('url', "[rN]: javascript:ALERT\n[reference vN][rN]"),
    ('url', '[rN]: <JAVASCRIPT:ALERT> "title"\n[reference vN][rN]'),
    ('url', "[reference vN][rN] first, defined blocks later\n\nmore\n\n[rN]: javascript:FLAG"),
    # footnotes (assets/markdown_footnotes.js): labels and definitions drawn as HTML of their own
    ('footnote', "a claim[^<img/src=x/onerror=FLAG>]\n\n[^<img/src=x/onerror=FLAG>]: <img src=x onerror=FLAG>"),
    ('footnote', 'a claim[^"><script>FLAG</script>]\n\n[^vN]: [source](javascript:ALERT) <svg/onload=FLAG>'),
    ('url', "![image vN][rN] first, defined blocks later\n\nmore\n\n[rN]: SINK/vN.png"),
    ('url', '<a href="javascript:FLAG">raw link vN</a>'),
    ('url', '<a href="&#x6A;avascript:ALERT">entity link vN</a>'),
    ('url', '[t vN](https://example.com "\\" onmouseover=\\"ALERT")'),
    ('url', "www.example.com/\"onmouseover=\"ALERT"),
    ('url', "https://example.com/<img src=x onerror=ALERT>"),
    ('url', "[![img vN](SINK/vN.png)](javascript:ALERT)"),
    # frames, plugins, base, meta refresh, forms, stylesheets
    ('embed', '<iframe src="javascript:FLAG"></iframe>'),
    ('embed', "<iframe srcdoc=\"<script>parent.__xss='vN'</script>\"></iframe>"),
    ('embed', '<object data="SINK/vN.swf"></object>'),
    ('embed', '<embed src="SINK/vN.svg">'),
    ('embed', '<base href="SINK/vN/">\n[relative vN](relative-vN)'),
    ('embed', '<meta http-equiv="refresh" content="0;url=javascript:ALERT">'),
    ('embed', '<meta http-equiv="refresh" content="0;url=SINK/vN">'),
    ('embed', '<form action="javascript:ALERT"><button>submit vN</button></form>'),
    ('embed', '<button formaction="javascript:ALERT">go vN</button>'),
    ('embed', '<isindex action=javascript:ALERT type=submit>'),
    ('embed', '<link rel=stylesheet href="SINK/vN.css">'),
    # CSS tricks
    ('css', '<div style="background:url(javascript:ALERT)">styled vN</div>'),
    ('css', '<div style="width: expression(ALERT)">expression vN</div>'),
    ('css', "<style>@import 'SINK/vN.css';</style>"),
    ('css', '<style>body{background:url("SINK/vN.png")}</style>'),
    ('css', '<p style="background-image:url(SINK/vN.png)">background vN</p>'),
    # markdown image tricks
    ('image', "![x vN](javascript:ALERT)"),
    ('image', '![x vN](SINK/vN.png "onerror=ALERT")'),
    ('image', '![x" onerror="ALERT vN](SINK/vN.png)'),
    ('image', "![svg vN](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ('image', "![png vN](data:image/png;base64,iVBORw0KGgo=)"),
    ('image', "![protocol-relative vN](//SINKHOST/vN.png)"),
    ('image', "<IMG SRC=JaVaScRiPt:ALERT>"),
    # template injection (Vue, Angular, JS template strings)
    ('template', "{{constructor.constructor('FLAG')()}}"),
    ('template', "{{_openBlock.constructor('ALERT')()}}"),
    ('template', "${FLAG} #{ALERT} <%= ALERT %>"),
    ('template', "<div v-html=\"'<img src=x onerror=ALERT>'\">v-html vN</div>"),
    ('template', '<p :title="ALERT" @click="ALERT">vue binding vN</p>'),
    # mermaid-like fences are code, never diagrams
    ('mermaid', '```mermaid\ngraph TD\nA["<img src=x onerror=ALERT>"] --> B\nclick A "javascript:ALERT"\n```'),
    # SVG and MathML
    ('svg', "<svg><script>FLAG</script></svg>"),
    ('svg', "<svg><foreignObject><iframe srcdoc=\"<script>parent.__xss='vN'</script>\"></iframe>"
            "</foreignObject></svg>"),
    ('svg', '<svg><a xlink:href="javascript:ALERT"><text x="20" y="20">svg link vN</text></a></svg>'),
    ('svg', '<svg><use href="SINK/vN.svg#x"/></svg>'),
    ('mathml', "<math><mtext><table><mglyph><style><img src=x onerror=ALERT>"),
    ('mathml', '<math href="javascript:ALERT">math link vN</math>'),
    ('mathml', '<math><maction actiontype="statusline" xlink:href="javascript:ALERT">maction vN</maction></math>'),
    # TeX, drawn by KaTeX (assets/markdown_math.js): its trusted-only commands, raw HTML and styles inside formulas
    ('tex', r"$\href{javascript:FLAG}{tex link vN}$"),
    ('tex', r"\(\url{javascript:ALERT}\)"),
    ('tex', r"$$\includegraphics{SINK/vN.png}$$"),
    ('tex', r"$\htmlData{onerror=ALERT}{data vN}$ $\htmlStyle{background:url(SINK/vN.png)}{style vN}$"),
    ('tex', r"\[\text{<img src=x onerror=ALERT>} \href{SINK/vN}{sink vN}\]"),
    ('tex', "$<img src=x onerror=\"FLAG\">$ $`<script>FLAG</script>`$"),
    # parser confusion (mutation XSS) and code blocks
    ('mxss', '<noscript><p title="</noscript><img src=x onerror=ALERT>">'),
    ('mxss', "<template><script>FLAG</script></template>"),
    ('mxss', '<!--<img src="--><img src=x onerror=ALERT//">'),
    ('code', '```"><img src=x onerror=ALERT>\ncode vN\n```'),
    ('code', '```js" onmouseover="ALERT\ncode vN\n```'),
    ('code', "| <img src=x onerror=ALERT> | [cell vN](javascript:ALERT) |\n| --- | --- |\n| `<script>` | b |"),
]


def corpus(sink: str) -> list[Vector]:
    """Every vector, numbered from 1, aimed at `sink` (the recording server's base URL)."""
    host = sink.split('://', 1)[1]
    vectors = []
    for number, (family, template) in enumerate(TEMPLATES, start=1):
        text = (template.replace('FLAG', f"window.__xss='v{number}'").replace('ALERT', f'alert({number})')
                .replace('SINKHOST', host).replace('SINK', sink).replace('vN', f'v{number}')
                .replace('rN', f'r{number}').replace('(N)', f'({number})'))
        vectors.append(Vector(number, family, text))
    return vectors


def batches(vectors: list[Vector], size: int) -> list[list[Vector]]:
    return [vectors[i:i + size] for i in range(0, len(vectors), size)]


def message(vectors: list[Vector]) -> str:
    """One message holding several vectors, each its own markdown block."""
    return '\n\n'.join(vector.text for vector in vectors)
