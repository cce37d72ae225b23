// The chat page's widget, over Rasa's socket.io channel (relayed at /socket.io/ by bot/web/relay.py).
// Bot and user text goes in with textContent only; links and buttons are built as DOM nodes.
// A confirmation's page and PDF are shown as links only when they are addresses of this site.
// The transcript and the socket.io session id live in sessionStorage: a reload keeps the
// conversation, closing the tab forgets it.
(function () {
  "use strict";

  const STORE_KEY = "chat.conversation";
  const SESSION_PATTERN = /^[0-9a-f]{32}$/;
  const LANGUAGES = ["en", "es"];
  const NO_REPLY_MS = 30000;
  const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;
  const CONFIRMATION_PATH = /^\/confirmation\/[A-Za-z0-9_-]{1,128}$/;
  const CONFIRMATION_NUMBER = /^[A-Z0-9-]{1,20}$/;

  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const texts = log.dataset;
  const pageLanguage = document.documentElement.lang;
  // The bot says this sentence when the conversation changes language.
  const switchedSentences = { en: texts.switchedEn, es: texts.switchedEs };

  function newSessionId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  // An address of this site with no credentials, query or fragment, else null.
  function ownUrl(value) {
    let url;
    try {
      url = new URL(value);
    } catch (error) {
      return null;
    }
    const plain = !url.username && !url.password && !url.search && !url.hash;
    return plain && url.origin === window.location.origin ? url : null;
  }

  // The confirmation a bot message carries ({number, page, pdf}) when it is one this site
  // serves: its page at /confirmation/<token> and its PDF at the same address with ".pdf".
  // Anything else is null and is never shown as a link.
  function confirmationOf(value) {
    if (!value || typeof value !== "object" || typeof value.number !== "string" ||
        typeof value.page !== "string" || typeof value.pdf !== "string" ||
        !CONFIRMATION_NUMBER.test(value.number)) {
      return null;
    }
    const page = ownUrl(value.page);
    const pdf = ownUrl(value.pdf);
    if (!page || !pdf || !CONFIRMATION_PATH.test(page.pathname) || pdf.pathname !== page.pathname + ".pdf") {
      return null;
    }
    return { number: value.number, page: page.href, pdf: pdf.href };
  }

  function isEntry(entry) {
    return Boolean(entry) && (entry.role === "you" || entry.role === "bot") &&
      typeof entry.text === "string" && Array.isArray(entry.buttons) &&
      (entry.confirmation === undefined || confirmationOf(entry.confirmation) !== null);
  }

  function loadState() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY));
      if (saved && SESSION_PATTERN.test(saved.session) && LANGUAGES.includes(saved.language) &&
          Array.isArray(saved.entries) && saved.entries.every(isEntry)) {
        return saved;
      }
    } catch (error) {
      // Storage blocked or damaged: start a new conversation.
    }
    return { session: newSessionId(), language: pageLanguage, entries: [] };
  }

  function saveState() {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage blocked: the conversation then lasts as long as the page.
    }
  }

  const state = loadState();
  const outbox = [];
  // Reached through the other language's link in the middle of a conversation: the
  // conversation follows the page (the assistant confirms the switch and asks its
  // pending question again in the page's language). The language is recorded at once,
  // so a reload does not ask twice.
  if (state.entries.length > 0 && state.language !== pageLanguage) {
    outbox.push('/switch_language{"language":"' + pageLanguage + '"}');
    state.language = pageLanguage;
  }
  // A new conversation: the assistant speaks first. At a conversation's start, "/help"
  // gets the introduction and buttons to start or to ask a question
  // (data/rules/interruptions.yml); `welcomed` keeps a reload from asking twice.
  if (state.entries.length === 0 && !state.welcomed) {
    outbox.push("/help");
    state.welcomed = true;
  }
  let confirmed = false;
  let replyTimer = null;

  function setStatus(text) {
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  // A link to `url` showing `text`, opening in a new tab (which a hidden hint says).
  function newTabLink(url, text) {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = text;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.lang = pageLanguage;
    hint.textContent = " (" + texts.newTab + ")";
    link.appendChild(hint);
    return link;
  }

  // Appends `text` to `parent`, with http(s) addresses as links opening in a new tab.
  function appendText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const url = match[0].replace(TRAILING_PUNCTUATION, "");
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(newTabLink(url, url));
      last = match.index + url.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // The confirmation number on a line of its own, then its page and PDF as button-like links.
  function renderConfirmation(item, confirmation) {
    const box = document.createElement("div");
    box.className = "confirmation";
    box.lang = pageLanguage;
    const line = document.createElement("p");
    line.className = "confirmation-number";
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = texts.confirmationNumber;
    const number = document.createElement("strong");
    number.textContent = confirmation.number;
    line.append(label, " ", number);
    const links = document.createElement("div");
    links.className = "links";
    const page = newTabLink(confirmation.page, texts.openPage);
    page.className = "link-button";
    const pdf = document.createElement("a");
    pdf.className = "link-button";
    pdf.href = confirmation.pdf;
    pdf.download = "confirmation-" + confirmation.number + ".pdf";
    pdf.textContent = texts.downloadPdf;
    links.append(page, pdf);
    box.append(line, links);
    item.appendChild(box);
  }

  function renderButtons(item, entry) {
    const group = document.createElement("div");
    group.className = "buttons";
    entry.buttons.forEach((choice) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title;
      button.addEventListener("click", () => send(choice.payload, choice.title));
      group.appendChild(button);
    });
    item.appendChild(group);
  }

  function render(entry, withButtons) {
    const item = document.createElement("div");
    item.className = "message " + entry.role;
    if (entry.lang) {
      item.lang = entry.lang;
    }
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.lang = pageLanguage;
    who.textContent = texts[entry.role] + ": ";
    item.appendChild(who);
    if (entry.text) {
      const body = document.createElement("p");
      appendText(body, entry.text);
      item.appendChild(body);
    }
    const confirmation = entry.confirmation === undefined ? null : confirmationOf(entry.confirmation);
    if (confirmation) {
      renderConfirmation(item, confirmation);
    }
    if (withButtons && entry.buttons.length > 0) {
      renderButtons(item, entry);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(entry) {
    state.entries.push(entry);
    saveState();
    render(entry, true);
  }

  // Buttons answer only the latest bot turn: once the person answers, they go.
  function removeButtons() {
    const hadFocus = log.contains(document.activeElement) && document.activeElement.tagName === "BUTTON";
    log.querySelectorAll(".buttons").forEach((group) => group.remove());
    if (hadFocus) {
      input.focus();
    }
  }

  function flush() {
    while (confirmed && outbox.length > 0) {
      socket.emit("user_uttered", {
        message: outbox.shift(),
        session_id: state.session,
        customData: { language: pageLanguage },
      });
    }
  }

  function send(message, shown) {
    removeButtons();
    add({ role: "you", text: shown, buttons: [] });
    outbox.push(message);
    flush();
    window.clearTimeout(replyTimer);
    replyTimer = window.setTimeout(() => setStatus(texts.unavailable), NO_REPLY_MS);
  }

  function languageOf(text) {
    return LANGUAGES.find((code) => text.includes(switchedSentences[code])) || state.language;
  }

  function receive(reply) {
    const text = reply && typeof reply.text === "string" ? reply.text : "";
    const buttons = (reply && Array.isArray(reply.quick_replies) ? reply.quick_replies : [])
      .filter((choice) => choice && typeof choice.title === "string" && typeof choice.payload === "string")
      .map((choice) => ({ title: choice.title, payload: choice.payload }));
    const confirmation = reply ? confirmationOf(reply.confirmation) : null;
    if (!text && buttons.length === 0 && !confirmation) {
      return;
    }
    window.clearTimeout(replyTimer);
    setStatus("");
    state.language = languageOf(text);
    const entry = { role: "bot", text: text, lang: state.language, buttons: buttons };
    if (confirmation) {
      entry.confirmation = confirmation;
    }
    add(entry);
  }

  const lastAnswer = state.entries.map((entry) => entry.role).lastIndexOf("you");
  state.entries.forEach((entry, index) => render(entry, index > lastAnswer));

  if (typeof window.io !== "function") {
    setStatus(texts.unavailable);
    return;
  }
  saveState();
  // The session id in the query keeps the page on one Rasa server (bot/web/relay.py).
  const socket = window.io({ transports: ["websocket"], query: { session: state.session } });
  socket.on("connect", () => {
    confirmed = false;
    socket.emit("session_request", { session_id: state.session });
  });
  socket.on("session_confirm", () => {
    confirmed = true;
    setStatus("");
    flush();
  });
  socket.on("bot_uttered", receive);
  socket.on("disconnect", () => {
    confirmed = false;
    setStatus(texts.offline);
  });
  socket.on("connect_error", () => setStatus(texts.offline));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (message) {
      input.value = "";
      send(message, message);
    }
  });
  form.hidden = false;
})();
