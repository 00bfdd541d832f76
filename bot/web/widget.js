/* Dispute assistant chat widget. Embed:
 *   <script src="https://HOST/widget.js"></script>
 *   <script>DisputeChat.init({buyerToken: "..."});</script>
 * or <script src="https://HOST/widget.js" data-buyer-token="..." data-auto-init></script>
 * No framework: plain DOM, and the socket.io client loaded from the same host.
 * Texts are written in English inside t("..."); the server sends their translations in the conversation's
 * language (`strings` in `history`, and a `strings` event when a turn changes the language). The page's language
 * (init({lang}), else <html lang>, else the browser's) is sent as a hint with session_request.
 */
(function () {
  "use strict";
  if (window.DisputeChat) return;

  var script = document.currentScript;
  var HOST = script ? new URL(script.src, location.href).origin : location.origin;
  var CSS = [
    ".dc-root{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d1f}",
    ".dc-launcher{width:60px;height:60px;border-radius:50%;border:0;background:#e62e04;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);position:relative;display:flex;align-items:center;justify-content:center}",
    ".dc-launcher:focus-visible,.dc-root button:focus-visible,.dc-input:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}",
    ".dc-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;border-radius:11px;background:#0a58ca;color:#fff;font-size:13px;line-height:22px;padding:0 6px;box-sizing:border-box}",
    ".dc-panel{position:absolute;right:0;bottom:72px;width:370px;height:min(600px,calc(100vh - 100px));background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}",
    ".dc-panel[hidden]{display:none}",
    ".dc-head{background:#e62e04;color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    ".dc-head h2{font-size:16px;margin:0;flex:1}",
    ".dc-status{font-size:12px;opacity:.9}",
    ".dc-lang{background:rgba(255,255,255,.15);color:#fff;border:1px solid rgba(255,255,255,.6);border-radius:6px;font:inherit;font-size:13px;min-height:32px}",
    ".dc-lang option{color:#1d1d1f}",
    ".dc-close{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;min-width:44px;min-height:44px}",
    ".dc-log{flex:1;overflow-y:auto;padding:12px;background:#f6f6f8;display:flex;flex-direction:column;gap:8px}",
    ".dc-msg{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}",
    ".dc-bot{background:#fff;border:1px solid #e3e3e8;align-self:flex-start;border-bottom-left-radius:4px}",
    ".dc-agent{background:#e8f1ff;border:1px solid #b6d0ff;align-self:flex-start;border-bottom-left-radius:4px}",
    ".dc-who{display:block;font-size:12px;font-weight:600;color:#0a58ca;margin-bottom:2px}",
    ".dc-buyer{background:#e62e04;color:#fff;align-self:flex-end;border-bottom-right-radius:4px}",
    ".dc-pending{opacity:.6}",
    ".dc-msg img{max-width:100%;border-radius:8px;display:block}",
    ".dc-msg a{color:inherit}",
    ".dc-buttons{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}",
    ".dc-buttons button{border:1px solid #e62e04;background:#fff;color:#b22400;border-radius:16px;padding:8px 12px;cursor:pointer;font:inherit;min-height:40px}",
    ".dc-buttons button:disabled{opacity:.5;cursor:default}",
    ".dc-typing{align-self:flex-start;color:#666;font-size:13px;padding:4px 8px}",
    ".dc-note{align-self:center;color:#6b6b70;font-size:12px;text-align:center}",
    ".dc-error{background:#fdecea;color:#8a1c12;border:1px solid #f5c2bd;align-self:stretch;font-size:14px}",
    ".dc-progress{height:4px;background:#eee}.dc-progress>div{height:100%;width:0;background:#0a58ca;transition:width .1s}",
    ".dc-form{display:flex;gap:6px;padding:8px;border-top:1px solid #e3e3e8;background:#fff;align-items:flex-end}",
    ".dc-input{flex:1;resize:none;border:1px solid #ccc;border-radius:10px;padding:9px 10px;font:inherit;max-height:120px;min-height:40px;box-sizing:border-box}",
    ".dc-icon{border:0;background:#f0f0f3;color:#333;border-radius:10px;min-width:44px;min-height:40px;cursor:pointer;display:flex;align-items:center;justify-content:center}",
    ".dc-send{background:#e62e04;color:#fff}",
    ".dc-drop{outline:3px dashed #0a58ca;outline-offset:-6px}",
    ".dc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.dc-root.dc-open{inset:0}.dc-root.dc-open .dc-launcher{display:none}.dc-panel{position:fixed;inset:0;width:auto;height:auto;border-radius:0}}"
  ].join("\n");

  // English text -> the conversation's language (from the server); a text missing here stays English.
  var STRINGS = {};
  function t(text, params) {
    var out = STRINGS[text] || text;
    if (params) {
      out = out.replace(/\{(\w+)\}/g, function (whole, name) { return name in params ? String(params[name]) : whole; });
    }
    return out;
  }
  // The header's status, kept in English to be shown again after a language change (t() at load, before any
  // translation arrives, returns the English: it marks them for extraction).
  var STATUS = {connecting: t("connecting\u2026"), online: t("online"), offline: t("offline"),
    reconnecting: t("reconnecting\u2026")};
  // Each language's name in itself (as the server's bot.i18n.NAMES): a buyer looks for their own.
  var LANGUAGES = [["en", "English"], ["es", "Espa\u00F1ol"], ["pt", "Portugu\u00EAs"], ["fr", "Fran\u00E7ais"],
    ["ru", "\u0420\u0443\u0441\u0441\u043A\u0438\u0439"]];

  var TYPES = {"image/jpeg": 1, "image/png": 1, "image/gif": 1, "image/webp": 1, "image/heic": 1, "image/heif": 1,
    "video/mp4": 1, "video/quicktime": 1, "video/webm": 1, "application/pdf": 1};

  // Icons as inline SVG: emoji glyphs are missing on many systems (and in headless browsers).
  var ICONS = {
    chat: '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>',
    clip: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3 20.5V14l9-2-9-2V3.5L22 12z"/></svg>'
  };

  function iconButton(attrs, icon) {
    var button = el("button", attrs);
    button.innerHTML = ICONS[icon];
    return button;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "class") node.className = attrs[k]; else node.setAttribute(k, attrs[k]);
    }
    if (text != null) node.textContent = text;
    return node;
  }

  function loadSocketIo(done) {
    if (window.io) return done();
    var tag = el("script", {src: HOST + "/widget/socket.io.min.js"});
    tag.onload = function () { done(); };
    tag.onerror = function () { done(new Error("chat client did not load")); };
    document.head.appendChild(tag);
  }

  function storageKey(token) {
    // One remembered session per signed-in buyer (the token's payload names the buyer) and per guest.
    var who = "guest";
    if (token) { who = token.split(".")[0].slice(0, 40); }
    return "disputechat:" + who;
  }

  function Widget(options) {
    this.opts = options;
    this.token = options.buyerToken || "";
    this.key = storageKey(this.token);
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem(this.key) || "{}"); } catch (e) { saved = {}; }
    this.sessionId = saved.sessionId || null;
    // A guest's session is resumed only with the secret the server issued with it (a signed-in buyer's by the token).
    this.sessionSecret = saved.sessionSecret || null;
    this.lastId = 0;
    this.seen = {};
    this.unread = 0;
    this.pending = {};
    this.limits = {max_file_bytes: 20 * 1024 * 1024};
    this.lang = options.lang || document.documentElement.lang || navigator.language || "";
    this.labels = [];  // [node, attribute or null for the text, English text]: set again when the language changes
    this.statusText = STATUS.connecting;
    this.build();
  }

  Widget.prototype.save = function () {
    try {
      localStorage.setItem(this.key, JSON.stringify({sessionId: this.sessionId, sessionSecret: this.sessionSecret}));
    } catch (e) { /* private mode */ }
  };

  // `text`: English (the widget is built before the server's strings arrive, so t("...") there is the English).
  Widget.prototype.label = function (node, attr, text) {
    this.labels.push([node, attr, text]);
    if (attr) node.setAttribute(attr, t(text)); else node.textContent = t(text);
    return node;
  };

  Widget.prototype.relabel = function () {
    this.labels.forEach(function (l) { if (l[1]) l[0].setAttribute(l[1], t(l[2])); else l[0].textContent = t(l[2]); });
    this.setStatus(this.statusText);
    this.renderBadge();
  };

  Widget.prototype.setStatus = function (text) {
    this.statusText = text;  // English; shown translated
    this.status.textContent = t(text);
  };

  Widget.prototype.setStrings = function (data) {
    if (!data || !data.strings) return;
    STRINGS = data.strings;
    if (data.language) {
      this.lang = data.language;
      this.langMenu.value = data.language;
      this.root.setAttribute("lang", data.language);
    }
    this.relabel();
  };

  Widget.prototype.build = function () {
    var self = this;
    var style = el("style", {}, CSS);
    document.head.appendChild(style);
    var root = this.root = el("div", {"class": "dc-root"});
    var launcher = this.launcher = iconButton({"class": "dc-launcher", type: "button", "aria-label": t("Open chat with the dispute assistant"), "aria-expanded": "false"}, "chat");
    this.badge = el("span", {"class": "dc-badge", hidden: ""});
    this.badge.setAttribute("aria-hidden", "true");
    launcher.appendChild(this.badge);
    var panel = this.panel = el("section", {"class": "dc-panel", role: "dialog", hidden: ""});
    var head = el("div", {"class": "dc-head"});
    var title = el("h2", {});
    // A page's own title is the page's words; the default one is ours.
    if (this.opts.title) { panel.setAttribute("aria-label", this.opts.title); title.textContent = this.opts.title; }
    else { this.label(panel, "aria-label", t("Order help")); this.label(title, null, t("Order help")); }
    head.appendChild(title);
    this.status = el("span", {"class": "dc-status", "aria-live": "polite"}, t(STATUS.connecting));
    head.appendChild(this.status);
    var menu = this.langMenu = el("select", {"class": "dc-lang"});
    this.label(menu, "aria-label", t("Language"));
    LANGUAGES.forEach(function (l) { menu.appendChild(el("option", {value: l[0]}, l[1])); });
    menu.value = (/^(en|es|pt|fr|ru)/i.exec(this.lang) || ["en"])[0].toLowerCase();
    head.appendChild(menu);
    var close = el("button", {"class": "dc-close", type: "button"}, "\u00D7");
    this.label(close, "aria-label", t("Close chat"));
    head.appendChild(close);
    this.log = el("div", {"class": "dc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0"});
    this.label(this.log, "aria-label", t("Conversation"));
    this.typing = this.label(el("div", {"class": "dc-typing", hidden: ""}), null, t("Assistant is typing\u2026"));
    this.progress = el("div", {"class": "dc-progress", hidden: ""});
    this.progressBar = el("div", {role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100"});
    this.label(this.progressBar, "aria-label", t("Upload progress"));
    this.progress.appendChild(this.progressBar);
    var form = this.form = el("form", {"class": "dc-form"});
    this.file = el("input", {type: "file", "class": "dc-sr", accept: Object.keys(TYPES).join(","), multiple: "", tabindex: "-1", "aria-hidden": "true"});
    var attach = this.attach = iconButton({"class": "dc-icon", type: "button"}, "clip");
    this.label(attach, "aria-label", t("Attach photos, videos or PDF"));
    var label = this.label(el("label", {"class": "dc-sr", "for": "dispute-chat-input"}), null, t("Your message"));
    this.input = el("textarea", {"class": "dc-input", id: "dispute-chat-input", rows: "1", maxlength: "4000"});
    this.label(this.input, "placeholder", t("Type your message\u2026"));
    var send = iconButton({"class": "dc-icon dc-send", type: "submit"}, "send");
    this.label(send, "aria-label", t("Send"));
    [this.file, attach, label, this.input, send].forEach(function (n) { form.appendChild(n); });
    [head, this.log, this.progress, form].forEach(function (n) { panel.appendChild(n); });
    this.log.appendChild(this.typing);
    root.appendChild(panel);
    root.appendChild(launcher);
    (this.opts.container || document.body).appendChild(root);

    launcher.addEventListener("click", function () { self.toggle(); });
    close.addEventListener("click", function () { self.toggle(false); });
    menu.addEventListener("change", function () {
      // The relay reads "/language xx" and answers in that language; the server then sends the new strings.
      var name = menu.options[menu.selectedIndex].text;
      self.send("/language " + menu.value, name);
    });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") self.toggle(false); });
    form.addEventListener("submit", function (e) { e.preventDefault(); self.sendText(); });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); self.sendText(); }
    });
    attach.addEventListener("click", function () { self.file.click(); });
    this.file.addEventListener("change", function () { self.uploadAll(self.file.files); self.file.value = ""; });
    panel.addEventListener("dragover", function (e) { e.preventDefault(); panel.classList.add("dc-drop"); });
    panel.addEventListener("dragleave", function () { panel.classList.remove("dc-drop"); });
    panel.addEventListener("drop", function (e) {
      e.preventDefault(); panel.classList.remove("dc-drop");
      if (e.dataTransfer && e.dataTransfer.files.length) self.uploadAll(e.dataTransfer.files);
    });
    if (this.opts.open) this.toggle(true);
  };

  Widget.prototype.toggle = function (open) {
    var show = open == null ? this.panel.hidden : open;
    this.panel.hidden = !show;
    this.root.classList.toggle("dc-open", show);
    this.launcher.setAttribute("aria-expanded", String(show));
    if (show) {
      this.unread = 0; this.renderBadge();
      this.input.focus();
      this.log.scrollTop = this.log.scrollHeight;
    } else {
      this.launcher.focus();
    }
  };

  Widget.prototype.renderBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
    this.launcher.setAttribute("aria-label", this.unread ? t("Open chat ({count} unread)", {count: this.unread}) : t("Open chat with the dispute assistant"));
  };

  Widget.prototype.connect = function () {
    var self = this;
    var socket = this.socket = window.io(HOST, {path: "/socket.io/", auth: this.token ? {token: this.token} : {},
      transports: ["websocket", "polling"], reconnectionDelayMax: 10000});
    socket.on("connect", function () {
      self.setStatus(STATUS.online);
      // Reconnecting: ask for what was missed since the last message shown.
      socket.emit("session_request", {session_id: self.sessionId, session_secret: self.sessionSecret,
        last_id: self.lastId, lang: self.lang});
    });
    socket.on("disconnect", function (reason) {
      // The server ends a connection whose sign-in expired (its error_message says so); nothing reconnects then.
      self.setStatus(reason === "io server disconnect" ? STATUS.offline : STATUS.reconnecting);
    });
    socket.on("connect_error", function (err) {
      self.setStatus(STATUS.offline);
      if (err && err.message === "invalid_token") {
        self.note(t("Your sign-in has expired. Reload the page to chat again."), true);
        socket.disconnect();
      }
    });
    socket.on("session_confirm", function (id) {
      var sessionId = id && id.session_id ? id.session_id : id;
      if (self.sessionId && sessionId !== self.sessionId) { self.clear(); }
      if (sessionId !== self.sessionId) { self.sessionSecret = null; }
      self.sessionId = sessionId; self.save();
    });
    socket.on("history", function (data) {
      self.setStrings(data);
      if (data.limits) self.limits = data.limits;
      if (data.session_secret && data.session_id === self.sessionId) { self.sessionSecret = data.session_secret; self.save(); }
      var messages = data.messages || [];
      messages.forEach(function (m, i) {
        // Buttons only under the last message: older choices are already made.
        self.show(m, true, i === messages.length - 1);
      });
      if (!self.lastId && !(data.messages || []).length) {
        self.note(data.signed_in ? t("Ask about an order, a dispute or a refund.") : t("You are not signed in: I can answer general questions."));
      }
    });
    socket.on("user_stored", function (m) {
      var pendingNode = m.client_id && self.pending[m.client_id];
      if (pendingNode) {
        pendingNode.classList.remove("dc-pending");
        delete self.pending[m.client_id];
        self.markSeen(m.id);
      } else {
        self.show(m);
      }
    });
    socket.on("bot_message", function (m) { self.show(m); });
    socket.on("strings", function (data) { self.setStrings(data); });
    socket.on("bot_typing", function (t) { self.typing.hidden = !t.typing; self.log.appendChild(self.typing); });
    socket.on("error_message", function (m) { self.note(m.text, true); });
  };

  Widget.prototype.clear = function () {
    var typing = this.typing;
    Array.prototype.slice.call(this.log.children).forEach(function (n) { if (n !== typing) n.remove(); });
    this.seen = {}; this.lastId = 0;
  };

  Widget.prototype.markSeen = function (id) {
    if (typeof id === "number") { this.seen[id] = true; if (id > this.lastId) this.lastId = id; }
  };

  Widget.prototype.add = function (node) {
    this.log.insertBefore(node, this.typing);
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.note = function (text, isError) {
    this.add(el("div", {"class": isError ? "dc-msg dc-error" : "dc-note", role: isError ? "alert" : "note"}, text));
  };

  Widget.prototype.show = function (m, fromHistory, withButtons) {
    var self = this;
    if (typeof m.id === "number") { if (this.seen[m.id]) return; this.markSeen(m.id); }
    var who = m.sender === "buyer" ? "buyer" : (m.sender === "agent" ? "agent" : "bot");
    var bubble = el("div", {"class": "dc-msg dc-" + who});
    if (who === "agent") bubble.appendChild(el("span", {"class": "dc-who"}, t("{name} \u00B7 help desk", {name: m.agent_name || t("Agent")})));
    else if (who === "bot") bubble.appendChild(el("span", {"class": "dc-sr"}, t("Assistant:")));
    else bubble.appendChild(el("span", {"class": "dc-sr"}, t("You:")));
    if (m.text) bubble.appendChild(linkify(m.text));
    var src = m.attachment && m.attachment.payload && m.attachment.payload.src;
    if (src && /^https?:\/\//.test(src)) bubble.appendChild(el("img", {src: src, alt: t("Image from the assistant")}));
    this.add(bubble);
    var replies = m.quick_replies || [];
    if (replies.length && (!fromHistory || withButtons)) {
      var row = el("div", {"class": "dc-buttons", role: "group", "aria-label": t("Suggested answers")});
      replies.forEach(function (r) {
        var b = el("button", {type: "button"}, r.title);
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(row.querySelectorAll("button"), function (x) { x.disabled = true; });
          self.send(r.payload, r.title);
        });
        row.appendChild(b);
      });
      this.add(row);
    }
    if (who !== "buyer" && !fromHistory) {
      this.typing.hidden = true;
      if (this.panel.hidden) { this.unread += 1; this.renderBadge(); }
    }
  };

  function linkify(text) {
    var span = document.createElement("span");
    var parts = text.split(/(https?:\/\/[^\s]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2) span.appendChild(el("a", {href: part, target: "_blank", rel: "noopener noreferrer"}, part));
      else span.appendChild(document.createTextNode(part));
    });
    return span;
  }

  Widget.prototype.sendText = function () {
    var text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send(text, text);
  };

  Widget.prototype.send = function (message, shown) {
    if (!this.socket || !this.socket.connected) {
      this.note(t("Not connected: your message was not sent. It will work again as soon as the connection is back."), true);
      if (message === shown) this.input.value = message;
      return;
    }
    var clientId = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    var bubble = el("div", {"class": "dc-msg dc-buyer dc-pending"});
    bubble.appendChild(el("span", {"class": "dc-sr"}, t("You:")));
    bubble.appendChild(document.createTextNode(shown));
    this.pending[clientId] = bubble;
    this.add(bubble);
    this.typing.hidden = false;
    this.socket.emit("user_uttered", {message: message, session_id: this.sessionId, client_id: clientId,
      customData: {page: location.pathname}});
  };

  Widget.prototype.uploadAll = function (files) {
    var self = this;
    var list = Array.prototype.slice.call(files || []);
    var next = function () { if (list.length) self.upload(list.shift(), next); };
    next();
  };

  Widget.prototype.upload = function (file, done) {
    var self = this;
    var max = this.limits.max_file_bytes;
    if (!this.token) { this.note(t("Sign in to attach files to a dispute."), true); return done(); }
    if (file.type && !TYPES[file.type]) {
      this.note(t("{name} can't be attached: send photos (JPEG, PNG, GIF, WebP, HEIC), videos (MP4, MOV, WebM) or PDF.", {name: file.name}), true);
      return done();
    }
    if (file.size > max) {
      this.note(t("{name} is larger than {limit}, the limit per file.", {name: file.name, limit: Math.round(max / 1048576) + " MB"}), true);
      return done();
    }
    var data = new FormData();
    data.append("file", file, file.name);
    data.append("session_id", this.sessionId || "");
    data.append("lang", this.lang || "");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", HOST + "/api/widget/uploads");
    xhr.setRequestHeader("Authorization", "Bearer " + this.token);
    this.progress.hidden = false; this.progressBar.style.width = "0";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var pct = Math.round(100 * e.loaded / e.total);
        self.progressBar.style.width = pct + "%"; self.progressBar.setAttribute("aria-valuenow", String(pct));
      }
    };
    xhr.onloadend = function () {
      self.progress.hidden = true;
      if (xhr.status !== 200) {
        var message = t("Upload failed; please try again.");
        try { message = JSON.parse(xhr.responseText).error || message; } catch (e) { /* not JSON */ }
        self.note(t("{name}: {error}", {name: file.name, error: message}), true);
      }
      done();
    };
    xhr.send(data);
  };

  window.DisputeChat = {
    init: function (options) {
      options = options || {};
      var widget = new Widget(options);
      loadSocketIo(function (err) {
        if (err) { widget.setStatus(STATUS.offline); widget.note(t("The chat could not load. Please reload the page."), true); return; }
        widget.connect();
      });
      return widget;
    }
  };

  if (script && script.hasAttribute("data-auto-init")) {
    window.DisputeChat.init({buyerToken: script.getAttribute("data-buyer-token") || "", lang: script.getAttribute("data-lang") || undefined,
      title: script.getAttribute("data-title") || undefined, open: script.hasAttribute("data-open")});
  }
})();
