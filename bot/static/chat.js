// Chat page: sends what the person types to POST /chat and shows the replies.
// Replies are never parsed as HTML: text goes in with textContent, links and
// buttons are built as DOM nodes.
(function () {
  "use strict";

  const SENDER_KEY = "chat.sender";
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
  const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const language = document.documentElement.lang === "es" ? "es" : "en";

  function newSenderId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function senderId() {
    let id = null;
    try {
      id = window.localStorage.getItem(SENDER_KEY);
    } catch (error) {
      // Storage blocked: the conversation then lasts as long as the page.
    }
    if (!id || !SENDER_PATTERN.test(id)) {
      id = newSenderId();
      try {
        window.localStorage.setItem(SENDER_KEY, id);
      } catch (error) {
        // Same as above.
      }
    }
    return id;
  }

  const sender = senderId();

  // Appends `text` to `parent`, with http(s) addresses as links opening in a new tab.
  function appendText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const url = match[0].replace(TRAILING_PUNCTUATION, "");
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.appendChild(link);
      last = match.index + url.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(role, text, extraClass) {
    const item = document.createElement("div");
    item.className = "message " + role + (extraClass ? " " + extraClass : "");
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = log.dataset[role] + ": ";
    item.appendChild(who);
    const body = document.createElement("p");
    appendText(body, text);
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function addButtons(item, buttons) {
    const group = document.createElement("div");
    group.className = "buttons";
    buttons.forEach((button) => {
      if (typeof button.title !== "string" || typeof button.payload !== "string") {
        return;
      }
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", () => {
        group.querySelectorAll("button").forEach((other) => {
          other.disabled = true;
        });
        send(button.payload, button.title);
      });
      group.appendChild(element);
    });
    item.appendChild(group);
  }

  function showReply(reply) {
    const text = typeof reply.text === "string" ? reply.text : "";
    const image = typeof reply.image === "string" ? reply.image : "";
    const buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
    if (!text && !image && buttons.length === 0) {
      return;
    }
    const item = addMessage("bot", [text, image].filter(Boolean).join("\n"));
    if (buttons.length > 0) {
      addButtons(item, buttons);
    }
  }

  function showError(text) {
    addMessage("bot", typeof text === "string" && text ? text : log.dataset.unavailable, "error");
  }

  async function send(message, shown) {
    addMessage("you", shown);
    try {
      const response = await fetch("/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message, metadata: { language: language } }),
      });
      const data = await response.json();
      if (response.ok && Array.isArray(data)) {
        data.forEach(showReply);
      } else {
        showError(data && data.error);
      }
    } catch (error) {
      showError();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (!message) {
      return;
    }
    input.value = "";
    input.focus();
    send(message, message);
  });
})();
