// Vue side of ui/conversation_list.py: the sidebar's entries, grouped by when, each a link and an options menu.
//
// Props carry the whole list when NiceGUI sends the element; after that the server sends calls: `show` (a new
// list), `extend` (older entries at the end), `putFirst` (a batch of entries, newest first, moved or added to the
// top). Each is idempotent, so a call that crosses a full re-send changes nothing. Titles are text (Vue's
// interpolation), never markup. Each options button is described by its entry's title: a screen reader going
// through the list hears which chat's options it is on, the button's name staying the one in ui/names.py.
// Events to the server: `action` {action: 'rename' | 'delete', id} and `more` (the end of the list came into
// view; assets/load_more.js fires `parley-visible` on the `parley-load-more` sentinel, a new one after each load).

/** Focus `element` if the focus fell to the page (its own element was removed) and `element` is still there. */
function focusIfLost(element) {
  const lost = !document.activeElement || document.activeElement === document.body;
  if (lost && element?.isConnected) element.focus();
}

/** The element Tab (or Shift+Tab) goes to from `element`, outside any menu. */
function besideInTabOrder(element, backwards) {
  const focusable = [...document.querySelectorAll("a[href], button, input, textarea, select, [tabindex]")].filter(
    (each) => each.tabIndex >= 0 && !each.disabled && each.getClientRects().length && !each.closest(".q-menu"),
  );
  const at = focusable.indexOf(element);
  return at < 0 ? element : focusable[at + (backwards ? -1 : 1)] ?? element;
}

export default {
  template: `
    <div class="parley-conversation-list">
      <div v-if="!items.length" class="parley-sidebar-empty">{{ labels.empty }}</div>
      <template v-for="(entry, index) in items" :key="entry.id">
        <div v-if="index === 0 || items[index - 1].group !== entry.group" class="parley-group">{{ entry.group }}</div>
        <div class="parley-entry" :class="{ 'parley-entry-current': entry.id === currentId }">
          <a class="parley-entry-link" :id="'parley-entry-' + entry.id" :href="href(entry)"
             :aria-current="entry.id === currentId ? 'page' : null">{{ entry.title }}</a>
          <button type="button" class="parley-entry-menu" :aria-label="labels.menu"
                  :aria-describedby="'parley-entry-' + entry.id" aria-haspopup="menu"
                  :aria-expanded="menuFor === entry.id ? 'true' : 'false'"
                  @click="toggleMenu(entry.id, $event.currentTarget)">
            <q-menu v-if="menuFor === entry.id" :model-value="true" no-parent-event auto-close
                    @update:model-value="(open) => open || closeMenu(entry.id)" @keydown="moveFocus">
              <q-btn flat no-caps align="left" class="w-full" icon="edit" :label="labels.rename"
                     @click="act('rename', entry.id)" />
              <q-btn flat no-caps align="left" class="w-full" icon="download" :label="labels.export"
                     :href="exportHref(entry)" />
              <q-btn flat no-caps align="left" class="w-full" color="negative" icon="delete" :label="labels.delete"
                     @click="act('delete', entry.id)" />
            </q-menu>
          </button>
        </div>
      </template>
      <div v-if="hasMore" :key="'more-' + items.length" class="parley-load-more" @parley-visible="$emit('more')"></div>
    </div>`,
  props: {
    entries: { type: Array, default: () => [] },
    more: { type: Boolean, default: false },
    current: { type: String, default: null },
    labels: { type: Object, default: () => ({}) },
  },
  data() {
    return { items: this.entries, hasMore: this.more, currentId: this.current, menuFor: null };
  },
  watch: {
    entries(value) {
      this.items = value;
    },
    more(value) {
      this.hasMore = value;
    },
    current(value) {
      this.currentId = value;
    },
  },
  methods: {
    href(entry) {
      return `${window.path_prefix || ""}/c/${entry.id}`;
    },
    exportHref(entry) {
      return `${this.href(entry)}/export.md`; // a link: the server's answer is a download (ui/export.py)
    },
    toggleMenu(id, button) {
      this.menuFor = this.menuFor === id ? null : id;
      this.menuButton = button; // not in data(): an element has no business being reactive
    },
    // The menu goes with v-if, before QMenu can give focus back: a keyboard user would start again from the top.
    closeMenu(id) {
      if (this.menuFor !== id) return;
      this.menuFor = null;
      this.focusMenuButton();
    },
    act(action, id) {
      this.menuFor = null;
      this.focusMenuButton(); // before the server's dialog opens: it gives focus back to the button as it closes
      // If the entry goes (Delete), focus goes to the next one's button, or the one before (focusNeighbour).
      const entries = [...this.$el.querySelectorAll(".parley-entry")];
      const at = entries.indexOf(this.menuButton?.closest(".parley-entry"));
      this.neighbour = (entries[at + 1] ?? entries[at - 1])?.querySelector(".parley-entry-menu") ?? null;
      this.$emit("action", { action, id });
    },
    /** Called as the Delete dialog closes (ui/sidebar.py): its entry's button is gone, and focus with it. */
    focusNeighbour() {
      const neighbour = this.neighbour;
      setTimeout(() => focusIfLost(neighbour));
    },
    focusMenuButton() {
      const button = this.menuButton;
      this.$nextTick(() => focusIfLost(button));
    },
    // Up and down arrows (and Home, End) move between the menu's items, as in any menu. Tab leaves it, closed, and
    // goes on from its button: the menu is at the end of the page, where Tab would go on from otherwise.
    moveFocus(event) {
      if (event.key === "Tab") {
        event.preventDefault();
        this.menuFor = null;
        const next = besideInTabOrder(this.menuButton, event.shiftKey);
        this.$nextTick(() => next?.focus()); // once the menu is gone: it takes the focus with it
        return;
      }
      const items = [...event.currentTarget.querySelectorAll(".q-btn")];
      const at = items.indexOf(document.activeElement);
      const to = { ArrowDown: at + 1, ArrowUp: at < 0 ? items.length - 1 : at - 1, Home: 0, End: items.length - 1 };
      if (!(event.key in to) || !items.length) return;
      event.preventDefault();
      items[(to[event.key] + items.length) % items.length].focus();
    },
    show(entries, more, current) {
      this.items = entries;
      this.hasMore = more;
      this.currentId = current;
    },
    extend(entries, more) {
      const known = new Set(this.items.map((entry) => entry.id));
      this.items = this.items.concat(entries.filter((entry) => !known.has(entry.id)));
      this.hasMore = more;
    },
    putFirst(entries, current) {
      const moved = new Set(entries.map((entry) => entry.id));
      this.items = [...entries, ...this.items.filter((known) => !moved.has(known.id))];
      this.currentId = current;
    },
  },
};
