/* spoc chat widget: one tag adds a launcher button and a chat panel to any page.
 *
 *   <script src="https://spoc.example.se/static/spoc-widget.js" data-spoc-locale="sv"
 *           data-spoc-org="Exempelby kommun" data-spoc-color="#005a9c" defer></script>
 *
 * Plain JavaScript, no dependencies, no build step. Rules that keep it safe and kind:
 * - Everything a person, the bot or an agent wrote reaches the page through textContent or
 *   text nodes, never as HTML; only http(s) URLs become links, built with DOM APIs.
 * - What a person wrote is never lost: unsent messages and the draft live in
 *   sessionStorage until the server has them; a failed send keeps its client_message_id, so
 *   a retry is processed once.
 * - The transcript is drawn by message id from the server's ordered sources (history and
 *   the event stream), so a message is never shown twice and a reconnect resumes after the
 *   last id seen.
 * - The widget lives in a shadow root: the host page's CSS cannot break it, its CSS cannot
 *   leak out, and it adds no inline styles (only CSSOM custom properties for the colour).
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__spocWidgetLoaded) return; // a second copy of the tag adds nothing
  window.__spocWidgetLoaded = true;

  const BASE = new URL("../", script.src); // …/static/spoc-widget.js -> …/
  const API = new URL("api/chat/", BASE);
  const STORE_KEY = "spoc:" + BASE.href;
  const DEFAULT_COLOR = "#005a9c";
  const BUBBLE_BG = "#eef1f4"; // must match .spoc-msg--bot in spoc-widget.css
  const RECONNECT_MAX_MS = 30000;
  const STREAM_BATCH_MS = 50;

  const TEXTS = {
    sv: {
      launcher: "Chatta med oss",
      region: "Chatt",
      unread: "nytt meddelande",
      title: "Chatt med {org}",
      subtitle: "Digital assistent – en automatisk tjänst",
      close: "Stäng chatten",
      notice: "Vid nödsituation, ring 112. Sjukvårdsrådgivning: 1177.",
      privacy: "Så hanterar vi dina uppgifter",
      newWindow: "(öppnas i nytt fönster)",
      log: "Meddelanden",
      input: "Skriv ditt meddelande",
      hint: "Enter skickar, Skift+Enter ger ny rad. Skriv inte känsliga uppgifter.",
      send: "Skicka",
      typing: "Assistenten skriver…",
      you: "Du",
      bot: "Assistenten",
      agent: "Handläggare på servicedesken",
      system: "Meddelande",
      choices: "Svarsalternativ",
      sending: "Skickar…",
      queued: "Väntar på att skickas…",
      failedNetwork: "Inte skickat – kontrollera anslutningen.",
      failedServer: "Inte skickat – något gick fel hos oss.",
      tooFast: "Inte skickat – du har skickat många meddelanden. Försök igen om {n} sekunder.",
      tooLong: "Inte skickat – meddelandet är för långt.",
      retry: "Försök igen",
      edit: "Ändra texten",
      counter: "{n} av {max} tecken",
      overLimit: "{n} av {max} tecken – korta ner texten för att kunna skicka.",
      warning: "Chatten avslutas om {n} minuter eftersom den inte har använts. Vill du fortsätta?",
      warningSeconds: "Chatten avslutas om {n} sekunder eftersom den inte har använts. Vill du fortsätta?",
      extend: "Fortsätt chatten",
      expired: "Chatten har avslutats efter en tid utan aktivitet. Det du skrivit men inte skickat finns kvar.",
      lost: "Chatten finns inte längre. Det du skrivit men inte skickat finns kvar.",
      restart: "Starta en ny chatt",
      startFailed: "Chatten kunde inte startas just nu.",
      loadFailed: "Samtalet kunde inte hämtas just nu.",
    },
    en: {
      launcher: "Chat with us",
      region: "Chat",
      unread: "new message",
      title: "Chat with {org}",
      subtitle: "Digital assistant – an automated service",
      close: "Close the chat",
      notice: "In an emergency, call 112. Health advice: 1177.",
      privacy: "How we handle your data",
      newWindow: "(opens in a new window)",
      log: "Messages",
      input: "Write your message",
      hint: "Enter sends, Shift+Enter adds a new line. Do not write sensitive information.",
      send: "Send",
      typing: "The assistant is typing…",
      you: "You",
      bot: "Assistant",
      agent: "Service desk agent",
      system: "Notice",
      choices: "Choices",
      sending: "Sending…",
      queued: "Waiting to be sent…",
      failedNetwork: "Not sent – check your connection.",
      failedServer: "Not sent – something went wrong on our side.",
      tooFast: "Not sent – you have sent many messages. Try again in {n} seconds.",
      tooLong: "Not sent – the message is too long.",
      retry: "Try again",
      edit: "Edit the text",
      counter: "{n} of {max} characters",
      overLimit: "{n} of {max} characters – shorten the text to send it.",
      warning: "The chat ends in {n} minutes because it has not been used. Do you want to continue?",
      warningSeconds: "The chat ends in {n} seconds because it has not been used. Do you want to continue?",
      extend: "Continue the chat",
      expired: "The chat has ended after a time without activity. What you wrote but did not send is kept.",
      lost: "This chat no longer exists. What you wrote but did not send is kept.",
      restart: "Start a new chat",
      startFailed: "The chat could not be started right now.",
      loadFailed: "The conversation could not be loaded right now.",
    },
  };

  // ---- small helpers -------------------------------------------------------------------

  const format = (text, values) =>
    text.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // ---- colour: readable text on any brand colour (WCAG 2.1 contrast) --------------------

  function parseColor(value) {
    const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value || "").trim());
    if (!match) return null;
    const hex = match[1].length === 3 ? match[1].replace(/./g, "$&$&") : match[1];
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  const toHex = (rgb) => "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");

  function luminance(rgb) {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  /** The brand colour, black or white text for it, and a shade of it readable as text and
   *  focus ring on the panel's light surfaces (at least 4.5:1). */
  function theme(value) {
    const primary = parseColor(value) || parseColor(DEFAULT_COLOR);
    const white = [255, 255, 255];
    const black = [0, 0, 0];
    const onPrimary = contrast(white, primary) >= contrast(black, primary) ? white : black;
    let accent = primary;
    for (let step = 1; contrast(accent, parseColor(BUBBLE_BG)) < 4.5 && step <= 20; step++) {
      accent = primary.map((c) => c * (1 - step * 0.05));
    }
    return { primary: toHex(primary), onPrimary: toHex(onPrimary), accent: toHex(accent) };
  }

  // ---- rich text: bold and http(s) links, built as DOM nodes -------------------------------

  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
  const TRAILING = /[.,;:!?)\]]+$/;

  function appendLinked(parent, text, texts) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const raw = match[0].replace(TRAILING, "");
      let url = null;
      try {
        url = new URL(raw);
      } catch (_) {
        url = null;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
      parent.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, raw);
      link.append(el("span", { class: "spoc-sr" }, " " + texts.newWindow));
      parent.append(link);
      last = match.index + raw.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function appendRich(parent, text, texts) {
    text.split(/\*\*([^*\n]+)\*\*/g).forEach((part, index) => {
      if (index % 2 === 1) {
        const strong = el("strong");
        appendLinked(strong, part, texts);
        parent.append(strong);
      } else {
        appendLinked(parent, part, texts);
      }
    });
  }

  // ---- storage ------------------------------------------------------------------------------

  function loadState() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {};
    } catch (_) {
      return {};
    }
  }

  function saveState(state) {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (_) {
      // Storage full or blocked: the chat still works, it just does not survive a reload.
    }
  }

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  // ---- the widget -----------------------------------------------------------------------

  class Widget {
    constructor() {
      const attributeLocale = script.getAttribute("data-spoc-locale");
      const pageLocale = (document.documentElement.lang || "").slice(0, 2).toLowerCase();
      this.requestedLocale = attributeLocale in TEXTS ? attributeLocale : null;
      this.state = loadState();
      this.state.pending = this.state.pending || [];
      this.state.locale =
        this.state.locale || this.requestedLocale || (pageLocale in TEXTS ? pageLocale : "sv");
      this.org = script.getAttribute("data-spoc-org") || "";
      this.config = { session_ttl_seconds: 3600, session_warning_seconds: 120, max_message_chars: 2000 };
      this.rendered = new Map(); // message id -> node
      this.bubbles = new Map(); // client_message_id -> node of a message not yet stored
      this.actionTitles = new Map();
      this.synced = 0; // every message up to this id has come from an ordered source
      this.fresh = []; // nodes added since the last scroll, to show the start of a long answer
      this.restoring = false;
      this.batching = false;
      this.busy = false;
      this.halted = false;
      this.ended = false;
      this.stream = null;
      this.timers = [];
      this.build();
      this.applyTexts();
    }

    get texts() {
      return TEXTS[this.state.locale] || TEXTS.sv;
    }

    save() {
      saveState(this.state);
    }

    // -- DOM --

    build() {
      this.host = el("div", { id: "spoc-widget", "data-spoc": "" });
      this.host.hidden = true; // shown once its stylesheet has loaded: no unstyled flash
      const colours = theme(script.getAttribute("data-spoc-color"));
      this.host.style.setProperty("--spoc-primary", colours.primary);
      this.host.style.setProperty("--spoc-on-primary", colours.onPrimary);
      this.host.style.setProperty("--spoc-accent", colours.accent);
      const root = this.host.attachShadow({ mode: "open" });
      const css = el("link", { rel: "stylesheet", href: new URL("static/spoc-widget.css", BASE).href });
      const reveal = () => (this.host.hidden = false);
      css.addEventListener("load", reveal);
      css.addEventListener("error", reveal);

      this.launcherLabel = el("span", { class: "spoc-launcher__label" });
      this.unreadMark = el("span", { class: "spoc-unread", hidden: true });
      this.launcher = el(
        "button",
        { type: "button", class: "spoc-launcher", "aria-expanded": "false", "aria-controls": "spoc-panel" },
        chatIcon(),
        this.launcherLabel,
        this.unreadMark,
      );

      this.title = el("h2", { id: "spoc-title", class: "spoc-title" });
      this.subtitle = el("p", { class: "spoc-subtitle" });
      this.closeLabel = el("span", { class: "spoc-sr" });
      this.closeButton = el(
        "button", { type: "button", class: "spoc-close" }, el("span", { "aria-hidden": "true" }, "×"), this.closeLabel,
      );
      this.notice = el("p", { class: "spoc-notice" });
      this.log = el("div", { class: "spoc-log", role: "log", "aria-live": "polite", tabindex: "0" });
      this.typingText = el("span", { class: "spoc-typing__text" });
      this.typing = el(
        "div",
        { class: "spoc-typing", role: "status", "aria-live": "polite" },
        el("span", { class: "spoc-dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        this.typingText,
      );
      this.banner = el("div", { class: "spoc-banner", hidden: true });
      this.inputLabel = el("label", { for: "spoc-input", class: "spoc-sr" });
      this.input = el("textarea", {
        id: "spoc-input", class: "spoc-input", rows: "2", "aria-describedby": "spoc-hint spoc-counter",
      });
      this.sendButton = el("button", { type: "submit", class: "spoc-send" });
      this.hint = el("p", { id: "spoc-hint", class: "spoc-hint" });
      this.counter = el("p", { id: "spoc-counter", class: "spoc-counter", "aria-live": "polite" });
      this.form = el(
        "form", { class: "spoc-form", novalidate: true },
        this.inputLabel, el("div", { class: "spoc-form__row" }, this.input, this.sendButton), this.hint, this.counter,
      );
      this.panel = el(
        "section",
        { id: "spoc-panel", class: "spoc-panel", role: "dialog", "aria-labelledby": "spoc-title", hidden: true },
        el("header", { class: "spoc-header" }, el("div", { class: "spoc-header__text" }, this.title, this.subtitle), this.closeButton),
        this.notice, this.log, this.typing, this.banner, this.form,
      );
      // A landmark of its own, so the launcher is not loose content outside every region.
      this.frame = el("aside", { class: "spoc" }, this.panel, this.launcher);
      root.append(css, this.frame);

      this.launcher.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));
      this.closeButton.addEventListener("click", () => this.close());
      this.frame.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !this.panel.hidden) {
          event.preventDefault();
          this.close();
        }
      });
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener("input", () => {
        this.state.draft = this.input.value;
        this.save();
        this.updateCounter();
      });
      this.input.value = this.state.draft || "";
    }

    applyTexts() {
      const t = this.texts;
      this.frame.setAttribute("lang", this.state.locale);
      this.frame.setAttribute("aria-label", t.region);
      this.launcherLabel.textContent = t.launcher;
      this.unreadMark.replaceChildren(el("span", { class: "spoc-sr" }, ", "), t.unread);
      this.title.textContent = format(t.title, { org: this.org || this.config.organisation || "" });
      this.subtitle.textContent = t.subtitle;
      this.closeLabel.textContent = t.close;
      this.notice.replaceChildren(
        document.createTextNode(t.notice + " "),
        el("a", { href: this.privacyUrl(), target: "_blank", rel: "noopener" }, t.privacy, el("span", { class: "spoc-sr" }, " " + t.newWindow)),
      );
      this.log.setAttribute("aria-label", t.log);
      this.inputLabel.textContent = t.input;
      this.sendButton.textContent = t.send;
      this.hint.textContent = t.hint;
      if (this.typingText.textContent) this.typingText.textContent = t.typing;
      this.updateCounter();
    }

    privacyUrl() {
      return new URL(this.state.locale === "en" ? "en/privacy" : "integritet", BASE).href;
    }

    // -- opening and closing --

    open({ focus = true } = {}) {
      this.panel.hidden = false;
      this.launcher.setAttribute("aria-expanded", "true");
      this.unreadMark.hidden = true;
      this.state.open = true;
      this.save();
      if (focus) this.input.focus();
      this.scrollToEnd();
      if (!this.state.sessionId && !this.ended) this.start();
    }

    close() {
      this.panel.hidden = true;
      this.launcher.setAttribute("aria-expanded", "false");
      this.state.open = false;
      this.save();
      this.launcher.focus();
    }

    // -- sessions --

    async boot() {
      this.loadConfig();
      if (this.state.sessionId) {
        try {
          await this.restore();
        } catch (error) {
          this.handleSessionError(error, () => this.boot());
        }
      }
      this.renderPending();
      if (this.state.open) this.open({ focus: false });
      if (this.state.sessionId && !this.ended) {
        this.listen();
        this.scheduleTimeout();
        this.pump();
      }
    }

    async loadConfig() {
      try {
        this.config = { ...this.config, ...(await this.request("GET", "config")) };
        this.applyTexts();
        this.scheduleTimeout();
      } catch (_) {
        // The defaults are sensible; the widget works without its configuration.
      }
    }

    async restore() {
      this.restoring = true;
      try {
        for (let page = 0; page < 50; page++) {
          if (!(await this.sync())) break;
        }
      } finally {
        this.restoring = false;
      }
    }

    /** Open a session; on success the greeting is shown and queued messages go out. */
    async start() {
      if (this.starting) return;
      this.starting = true;
      try {
        const body = await this.request("POST", "sessions", { locale: this.requestedLocale });
        this.state.sessionId = body.session_id;
        this.state.token = body.token;
        this.touch();
        this.hideBanner();
        for (const message of body.messages) this.renderStored(message);
        this.afterRender();
        this.listen();
      } catch (error) {
        this.showBanner(this.texts.startFailed, this.texts.retry, () => {
          this.hideBanner();
          this.start();
        }, error);
        return;
      } finally {
        this.starting = false;
      }
      this.pump();
    }

    sessionPath(tail) {
      return "sessions/" + encodeURIComponent(this.state.sessionId) + "/" + tail;
    }

    touch() {
      this.state.lastActivity = Date.now();
      this.save();
      this.scheduleTimeout();
    }

    async request(method, path, body) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (this.state.token && path.startsWith("sessions/")) headers.Authorization = "Bearer " + this.state.token;
      let response;
      try {
        response = await fetch(new URL(path, API), {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body),
          cache: "no-store", credentials: "omit",
        });
      } catch (error) {
        throw new ApiError(0, "network", String(error), 0);
      }
      let data = null;
      try {
        data = await response.json();
      } catch (_) {
        data = null;
      }
      if (!response.ok) {
        const problem = (data && data.error) || {};
        const wait = parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
        throw new ApiError(response.status, problem.code || "error", problem.message || "", wait);
      }
      return data;
    }

    // -- the transcript --

    /** Messages after the last one seen, from the server's ordered history. */
    async sync() {
      if (!this.state.sessionId) return 0;
      const body = await this.request("GET", this.sessionPath("messages") + "?after=" + this.synced);
      let drawn = false;
      for (const message of body.messages) drawn = this.renderStored(message) || drawn;
      if (drawn) this.afterRender();
      return body.messages.length;
    }

    /** Draw one stored message, once, in id order; true when it was new. */
    renderStored(message, { loose = false } = {}) {
      if (!loose) this.synced = Math.max(this.synced, message.id);
      if (this.rendered.has(message.id)) return false;
      if (message.author === "user") this.dropOldestSentBubble();
      const node = this.messageNode(message);
      node.spocKey = message.id;
      this.rendered.set(message.id, node);
      this.insert(node);
      if (!this.restoring) this.fresh.push(node);
      if (message.author !== "user" && this.panel.hidden && this.booted) this.unreadMark.hidden = false;
      return true;
    }

    messageNode(message) {
      const t = this.texts;
      const node = el("div", { class: "spoc-msg spoc-msg--" + message.author, "data-id": message.id });
      const who = { user: t.you, bot: t.bot, agent: t.agent, system: t.system }[message.author] || t.system;
      if (message.author === "agent" || message.author === "system") {
        node.append(el("p", { class: "spoc-author" }, who));
      } else {
        node.append(el("span", { class: "spoc-sr" }, who + ": "));
      }
      const text = el("p", { class: "spoc-text" });
      if (message.author === "user") {
        const action = /^\[([^\]]+)\]$/.exec(message.text);
        text.textContent = action && this.actionTitles.has(action[1]) ? this.actionTitles.get(action[1]) : message.text;
      } else {
        appendRich(text, message.text, t);
      }
      node.append(text);
      const buttons = message.buttons || [];
      if (buttons.length) {
        const group = el("div", { class: "spoc-choices", role: "group", "aria-label": t.choices });
        for (const choice of buttons) {
          this.actionTitles.set(choice.action, choice.title);
          const button = el("button", { type: "button", class: "spoc-choice" }, choice.title);
          button.addEventListener("click", () => this.choose(choice));
          group.append(button);
        }
        node.append(group);
      }
      return node;
    }

    /** Keep children in id order; messages not yet stored stay at the end. */
    insert(node) {
      const key = node.spocKey;
      const after = Array.from(this.log.children).find((child) => child.spocKey > key);
      this.log.insertBefore(node, after || null);
    }

    afterRender() {
      // Only the choices offered since the person last wrote (or an agent took over or
      // handed back the conversation: the questions before are over) can still be chosen.
      const children = Array.from(this.log.children);
      const turnEnds = (c) => ["user", "agent", "system"].some((a) => c.classList.contains("spoc-msg--" + a));
      const lastUser = children.map(turnEnds).lastIndexOf(true);
      const active = this.shadowActive();
      let lostFocus = false;
      children.slice(0, Math.max(lastUser, 0)).forEach((child) => {
        const group = child.querySelector(".spoc-choices");
        if (group) {
          lostFocus = lostFocus || group.contains(active);
          group.remove();
        }
      });
      if (lostFocus) this.input.focus();
      this.scrollToEnd();
    }

    /** One afterRender for the messages of one burst: an answer in several messages
     *  arrives as several events, and is scrolled to as one. */
    afterRenderSoon() {
      if (this.batching) return;
      this.batching = true;
      setTimeout(() => {
        this.batching = false;
        this.afterRender();
      }, STREAM_BATCH_MS);
    }

    shadowActive() {
      return this.host.shadowRoot.activeElement;
    }

    /** Show the newest messages; when a new answer is taller than the log, show its start
     *  instead of its end, so a long article is read from the top. */
    scrollToEnd() {
      const first = this.fresh.find((node) => node.isConnected && !node.classList.contains("spoc-msg--user"));
      this.fresh = [];
      let top = this.log.scrollHeight;
      if (first && this.log.scrollHeight - first.offsetTop > this.log.clientHeight) top = first.offsetTop - 8;
      this.log.scrollTo({ top, behavior: reducedMotion() ? "auto" : "smooth" });
    }

    // -- sending: a queue that never drops what a person wrote --

    submit() {
      const text = this.input.value.trim();
      if (!text) return;
      const max = this.config.max_message_chars;
      if (text.length > max) {
        this.updateCounter(true);
        return;
      }
      this.input.value = "";
      this.state.draft = "";
      this.enqueue({ cid: randomId(), text });
      this.updateCounter();
    }

    choose(choice) {
      this.enqueue({ cid: randomId(), action: choice.action, title: choice.title });
      this.input.focus();
    }

    enqueue(item) {
      this.state.pending.push(item);
      this.save();
      this.renderBubble(item, "queued");
      this.afterRender();
      this.pump();
    }

    renderPending() {
      for (const item of this.state.pending) {
        if (!this.bubbles.has(item.cid)) this.renderBubble(item, "queued");
      }
      this.afterRender();
    }

    renderBubble(item, status) {
      const t = this.texts;
      const node = el(
        "div", { class: "spoc-msg spoc-msg--user spoc-msg--local", "data-cid": item.cid },
        el("span", { class: "spoc-sr" }, t.you + ": "),
        el("p", { class: "spoc-text" }, item.title || item.text),
        el("p", { class: "spoc-delivery" }),
      );
      node.spocKey = Infinity;
      this.bubbles.set(item.cid, node);
      this.log.append(node);
      this.markBubble(item, status);
    }

    markBubble(item, status, message, actions) {
      const node = this.bubbles.get(item.cid);
      if (!node) return;
      node.dataset.status = status;
      const line = node.querySelector(".spoc-delivery");
      const t = this.texts;
      line.replaceChildren(message || (status === "sending" ? t.sending : status === "queued" ? t.queued : ""));
      for (const [label, run] of actions || []) {
        const button = el("button", { type: "button", class: "spoc-choice spoc-choice--small" }, label);
        button.addEventListener("click", run);
        line.append(" ", button);
      }
    }

    dropBubble(item) {
      const node = this.bubbles.get(item.cid);
      if (!node) return;
      if (node.contains(this.shadowActive())) this.input.focus();
      node.remove();
      this.bubbles.delete(item.cid);
    }

    /** A stored message of the person arrived: it is the oldest one sent (sends are one at
     *  a time and stop at a failure), so its local bubble gives way to the stored, masked
     *  text. A "failed" one had in fact arrived, only its answer was lost: it is done. */
    dropOldestSentBubble() {
      for (const [cid, node] of this.bubbles) {
        const status = node.dataset.status;
        if (status !== "sending" && status !== "sent" && status !== "failed") continue;
        if (node.contains(this.shadowActive())) this.input.focus();
        node.remove();
        this.bubbles.delete(cid);
        if (status === "failed") {
          this.state.pending = this.state.pending.filter((item) => item.cid !== cid);
          this.save();
          this.halted = false;
          setTimeout(() => this.pump(), 0);
        }
        return;
      }
    }

    async pump() {
      if (this.busy || this.halted || this.ended || !this.state.pending.length) return;
      if (!this.state.sessionId) {
        this.start(); // sends the queue once the session exists
        return;
      }
      this.busy = true;
      const item = this.state.pending[0];
      this.markBubble(item, "sending");
      this.setTyping(true);
      try {
        const body = { client_message_id: item.cid };
        if (item.action) body.action = item.action;
        else body.text = item.text;
        const answer = await this.request("POST", this.sessionPath("messages"), body);
        await this.delivered(item, answer.messages);
      } catch (error) {
        if (!this.bubbles.has(item.cid)) {
          // Its stored copy already arrived on the stream: the server has it.
          await this.delivered(item, []);
        } else {
          this.failed(item, error);
        }
      } finally {
        this.setTyping(false);
        this.busy = false;
      }
      this.pump();
    }

    async delivered(item, replies) {
      this.state.pending = this.state.pending.filter((pending) => pending.cid !== item.cid);
      this.touch();
      if (item.action && item.action.startsWith("lang:")) this.setLocale(item.action.slice(5));
      try {
        // The stored (masked) copy of the message comes before its replies; when the stream
        // has already brought the last reply, there is nothing left to fetch.
        const newest = Math.max(0, ...replies.map((reply) => reply.id));
        if (!newest || this.synced < newest) await this.sync();
        this.dropBubble(item);
      } catch (_) {
        // History unavailable for now: show the replies we have; the next sync completes it.
        this.markBubble(item, "sent");
        const node = this.bubbles.get(item.cid);
        if (node && replies.length) {
          node.spocKey = Math.min(...replies.map((r) => r.id)) - 0.5;
          this.insert(node);
        }
        for (const reply of replies) this.renderStored(reply, { loose: true });
        this.afterRender();
      }
    }

    failed(item, error) {
      const t = this.texts;
      this.halted = true;
      const retry = [t.retry, () => {
        this.halted = false;
        this.pump();
      }];
      if (error.status === 410 || error.status === 404 || error.status === 401) {
        this.markBubble(item, "failed", "");
        this.handleSessionError(error);
        return;
      }
      if (error.status === 429) {
        this.markBubble(item, "failed", format(t.tooFast, { n: error.retryAfter || 1 }), [retry]);
      } else if (error.status === 413 || error.status === 422) {
        const edit = [t.edit, () => this.editBack(item)];
        this.markBubble(item, "failed", t.tooLong, item.text ? [edit] : []);
      } else if (error.status === 0) {
        this.markBubble(item, "failed", t.failedNetwork, [retry]);
      } else {
        this.markBubble(item, "failed", t.failedServer, [retry]);
      }
    }

    editBack(item) {
      this.state.pending = this.state.pending.filter((pending) => pending.cid !== item.cid);
      this.dropBubble(item);
      this.input.value = [item.text, this.input.value].filter(Boolean).join("\n\n");
      this.state.draft = this.input.value;
      this.save();
      this.halted = false;
      this.input.focus();
      this.updateCounter();
      this.pump();
    }

    setTyping(on) {
      this.typing.classList.toggle("is-active", on);
      this.typingText.textContent = on ? this.texts.typing : "";
    }

    setLocale(locale) {
      if (!(locale in TEXTS) || locale === this.state.locale) return;
      this.state.locale = locale;
      this.save();
      this.applyTexts();
    }

    updateCounter(blocked = false) {
      const max = this.config.max_message_chars;
      const length = this.input.value.trim().length;
      const over = length > max;
      this.counter.classList.toggle("is-over", over);
      this.input.setAttribute("aria-invalid", over ? "true" : "false");
      if (over || blocked) this.counter.textContent = format(this.texts.overLimit, { n: length, max });
      else if (length > max * 0.8) this.counter.textContent = format(this.texts.counter, { n: length, max });
      else this.counter.textContent = "";
    }

    // -- pushed messages: Server-Sent Events read with fetch, so the token stays in a header --

    listen() {
      if (this.stream || !this.state.sessionId || this.ended) return;
      const controller = new AbortController();
      this.stream = controller;
      (async () => {
        let wait = 1000;
        while (this.stream === controller) {
          try {
            await this.readStream(controller.signal);
            wait = 1000;
          } catch (error) {
            if (controller.signal.aborted) return;
            if (error instanceof ApiError && [401, 404, 410].includes(error.status)) {
              this.handleSessionError(error);
              return;
            }
          }
          await delay(wait);
          wait = Math.min(wait * 2, RECONNECT_MAX_MS);
        }
      })();
    }

    stopListening() {
      if (this.stream) this.stream.abort();
      this.stream = null;
    }

    async readStream(signal) {
      const response = await fetch(new URL(this.sessionPath("events") + "?after=" + this.synced, API), {
        headers: { Accept: "text/event-stream", Authorization: "Bearer " + this.state.token },
        cache: "no-store", credentials: "omit", signal,
      });
      if (!response.ok || !response.body) throw new ApiError(response.status, "stream", "", 0);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = eventParser((data) => {
        if (this.renderStored(JSON.parse(data))) this.afterRenderSoon();
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        parser(value);
      }
    }

    // -- session end: warn, offer to continue, and start afresh without losing text --

    scheduleTimeout() {
      this.timers.forEach(clearTimeout);
      this.timers = [];
      if (!this.state.sessionId || this.ended || !this.state.lastActivity) return;
      const ttl = this.config.session_ttl_seconds * 1000;
      const warn = this.config.session_warning_seconds * 1000;
      const deadline = this.state.lastActivity + ttl;
      const now = Date.now();
      this.timers.push(setTimeout(() => this.warn(deadline), Math.max(0, deadline - warn - now)));
      this.timers.push(setTimeout(() => this.end(this.texts.expired), Math.max(0, deadline - now)));
    }

    warn(deadline) {
      const t = this.texts;
      const seconds = Math.max(1, Math.round((deadline - Date.now()) / 1000));
      const text = seconds >= 90
        ? format(t.warning, { n: Math.round(seconds / 60) })
        : format(t.warningSeconds, { n: seconds });
      this.showBanner(text, t.extend, () => this.extend());
      if (this.panel.hidden) this.unreadMark.hidden = false;
    }

    async extend() {
      try {
        await this.request("POST", this.sessionPath("keepalive"), {});
        this.touch();
        this.hideBanner();
        this.input.focus();
      } catch (error) {
        this.handleSessionError(error, () => this.extend());
      }
    }

    handleSessionError(error, retry) {
      if (error && (error.status === 410 || error.status === 404 || error.status === 401)) {
        this.end(error.status === 410 ? this.texts.expired : this.texts.lost);
      } else if (retry) {
        this.showBanner(this.texts.loadFailed, this.texts.retry, () => {
          this.hideBanner();
          retry();
        }, error);
      }
    }

    end(message) {
      if (this.ended) return;
      this.ended = true;
      this.stopListening();
      this.timers.forEach(clearTimeout);
      this.showBanner(message, this.texts.restart, () => this.restart());
    }

    restart() {
      // What was written but never stored goes back into the input, nothing is lost.
      const unsent = this.state.pending.filter((item) => item.text).map((item) => item.text);
      const draft = [...unsent, this.input.value].filter(Boolean).join("\n\n");
      this.stopListening();
      this.state = { locale: this.state.locale, open: true, pending: [], draft };
      this.save();
      this.rendered.clear();
      this.bubbles.clear();
      this.log.replaceChildren();
      this.synced = 0;
      this.ended = false;
      this.halted = false;
      this.input.value = draft;
      this.hideBanner();
      this.updateCounter();
      this.input.focus();
      this.start();
    }

    showBanner(text, actionLabel, action, error) {
      const seconds = error && error.status === 429 ? " (" + (error.retryAfter || 1) + " s)" : "";
      const button = el("button", { type: "button", class: "spoc-banner__action" }, actionLabel);
      button.addEventListener("click", action);
      this.banner.replaceChildren(el("p", { role: "alert" }, text + seconds), button);
      this.banner.hidden = false;
    }

    hideBanner() {
      if (this.banner.contains(this.shadowActive())) this.input.focus();
      this.banner.hidden = true;
      this.banner.replaceChildren();
    }
  }

  /** A Server-Sent Events parser fed with text chunks; calls onData for each message. */
  function eventParser(onData) {
    let buffer = "";
    let data = [];
    let type = "";
    const line = (text) => {
      if (text === "") {
        if (data.length && (type || "message") === "message") onData(data.join("\n"));
        data = [];
        type = "";
        return;
      }
      if (text[0] === ":") return; // a keep-alive comment
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") type = value;
    };
    return (chunk) => {
      buffer += chunk;
      const breaks = /\r\n|\r|\n/g;
      let start = 0;
      let match;
      while ((match = breaks.exec(buffer))) {
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index));
        start = breaks.lastIndex;
      }
      buffer = buffer.slice(start);
    };
  }

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "spoc-launcher__icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16v11H8l-4 4z");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linejoin", "round");
    svg.append(path);
    return svg;
  }

  function mount() {
    const widget = new Widget();
    document.body.append(widget.host);
    widget.boot().finally(() => (widget.booted = true));
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
