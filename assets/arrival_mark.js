// `data-arriving` on an element while text keeps coming into it, gone once nothing has come for ARRIVING_MS.
//
// The dot that ends a streaming answer (parley.css) stays still while text arrives and pulses only in a pause. An
// animation asks for a frame at every vsync: it cost a streaming page about half as much again of Chromium's CPU
// (bench/page_cost.py). An attribute, not a class: adding a class to the renderer's tail made Chromium restyle and
// lay out every answer on the page.

const ARRIVING_MS = 800;

export class ArrivalMark {
  constructor(element) {
    this.element = element;
    this.arrivedAt = 0;
    this.timer = 0;
  }

  /** Text came: mark the element, and unmark it after a pause. One timer per pause, not one per delta. */
  arrived() {
    this.arrivedAt = performance.now();
    if (this.timer) return;
    this.element.dataset.arriving = "";
    const check = () => {
      const left = this.arrivedAt + ARRIVING_MS - performance.now();
      if (left > 0) {
        this.timer = setTimeout(check, left);
      } else {
        this.timer = 0;
        delete this.element.dataset.arriving;
      }
    };
    this.timer = setTimeout(check, ARRIVING_MS);
  }

  /** Nothing is arriving (the text was replaced or is finished, or the element is going). */
  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = 0;
    delete this.element.dataset.arriving;
  }
}
