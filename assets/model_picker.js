// The model picker's keys (ui/header.py): Quasar's select, filtered by typing. Quasar's own Enter picks only an
// option reached by the arrow keys, so a typed name fell back to the old model without a word and the message went
// to it; here Enter picks what the person named, as in the pickers people know.
//
// Which option that is: a model named exactly (its whole key, or the part after its provider), else the marked one
// if it matches (Quasar marks the chat's own model), else the first that matches; never one that went away.

// Each function takes NiceGUI's select component (ui/header.py); Quasar's QSelect is its `qRef`.
const label = (picker, option) => String(picker.getOptionLabel(option));
const typed = (picker, text) => Boolean(text) && text !== label(picker, picker.modelValue);

function best(picker, options, text, marked, unavailable) {
  const needle = text.toLocaleLowerCase();
  const name = (option) => label(picker, option).toLocaleLowerCase();
  const usable = options.filter((option) => !label(picker, option).endsWith(unavailable));
  const exact = (option) => name(option) === needle || name(option).split("/").slice(1).join("/") === needle;
  const fits = (option) => name(option).includes(needle);
  return usable.find(exact) ?? (usable.includes(marked) && fits(marked) ? marked : usable.find(fits));
}

window.parleyModelPicker = {
  /** As the list filters (a task after each key): mark what Enter would pick (Quasar marks on a desktop only). */
  mark(select, text, unavailable) {
    setTimeout(() => {
      const picker = select?.$refs.qRef;
      if (!picker || !typed(picker, text)) return;
      const choice = best(picker, picker.options, text, picker.options[picker.getOptionIndex()], unavailable);
      const index = picker.options.indexOf(choice);
      if (index !== -1 && index !== picker.getOptionIndex()) picker.setOptionIndex(index);
    });
  },

  /** Enter after typing: pick the option named, from the whole list (the filter may not have run yet), or, if none
   * matches, close the list showing the model that stays. */
  enter(select, event, unavailable) {
    const picker = select?.$refs.qRef, text = event.target.value;
    if (event.key !== "Enter" || event.isComposing || !picker || !typed(picker, text)) return;
    const marked = picker.options[picker.getOptionIndex()];
    const choice = marked !== undefined && label(picker, marked) === text // reached by the arrow keys
      ? marked
      : best(picker, select.initialOptions, text, marked, unavailable);
    event.preventDefault();
    event.qKeyEvent = true; // handled: Quasar's own Enter would open the list again
    // After the filter still due, which would open the list again.
    setTimeout(() => {
      if (choice !== undefined) picker.toggleOption(choice);
      else {
        picker.hidePopup();
        picker.updateInputValue(label(picker, picker.modelValue), true);
      }
    });
  },

  /** A click or tap on the picker that has the focus already: select the model's name, so typing replaces it as
   * it does after the first focus (it was appended: "openai/gpt-4o-miniopus"). After Quasar's own handling of
   * the click, which puts the caret at the end. */
  click(select) {
    const picker = select?.$refs.qRef, input = picker?.$el.querySelector("input");
    if (input && document.activeElement === input && !typed(picker, input.value)) setTimeout(() => input.select());
  },
};
