// Vue side of ui/streaming_markdown.py: hands server calls to MarkdownRenderer (assets/markdown_renderer.js).
//
// The server sends deltas with `append(offset, delta, ask)`, then `finish(length)`; `reset(text, streaming)` replaces
// everything. Props `content`/`streaming` carry the full state only when NiceGUI re-sends the whole element.
// It tells the server about itself with one event, `report`. On a gap the server answers with `reset`. On mount
// while streaming (calls may have come before this component existed), the next call shows any loss as a gap; after
// the end the server asks with a finish of no text (ui/streaming_markdown.py). While streaming, `shown` says that
// what it received is on screen, after a reset and after each delta sent with `ask` (flow control: the server sends
// no more until then). One event, because each listener is sent with the element's state, in every new answer.

import { loadResource } from "../../static/utils/resources.js";
import { MarkdownRenderer } from "markdown_renderer";
import { addAnswerCopy } from "markdown_decorate";

export default {
  template: "<div></div>",
  props: {
    content: { type: String, default: "" },
    streaming: { type: Boolean, default: false },
    resourcePath: { type: String, default: "" },
  },
  mounted() {
    this.renderer = new MarkdownRenderer(this.$el, {
      onGap: (length) => this.$emit("report", { kind: "gap", length, streaming: !this.renderer.finished }),
      onShown: (length) => this.$emit("report", { kind: "shown", length }),
    });
    this.$el.parleyRenderer = this.renderer; // for tests and devtools, and the answer's copy button
    const article = this.$el.parentElement; // the body of an answer, not its reasoning (inside an expansion)
    if (article?.classList.contains("parley-assistant")) addAnswerCopy(article);
    if (!this.streaming && this.content && window.parleyScroll?.isPinned()) this.renderer.renderSoon(this.content);
    else this.renderer.reset(this.content, { streaming: this.streaming });
    if (this.streaming) this.$emit("report", { kind: "mounted", length: this.renderer.length, streaming: true });
    this.$nextTick(() => loadResource(`${window.path_prefix}${this.resourcePath}/markdown.css`));
  },
  unmounted() {
    this.renderer.destroy();
  },
  watch: {
    content(text) {
      this.renderer.sync(text, this.streaming);
    },
    streaming(value) {
      if (!value) this.renderer.finish(this.content.length);
    },
  },
  methods: {
    append(offset, delta, ask) {
      this.renderer.append(offset, delta, ask);
    },
    finish(length) {
      this.renderer.finish(length);
    },
    reset(text, streaming) {
      this.renderer.reset(text, { streaming });
    },
  },
};
