/* 淮海家 web chat. Plain ES2017 (WeChat's Android WebView runs it), no libraries.
   Every text from the server goes into the page with textContent, never as HTML.
   Without this script the page still works: its buttons and box are plain forms. */
(function () {
  "use strict";

  var UI = {
    zh: { title: "淮海家 居民助手", placeholder: "请输入您的问题", send: "发送", large: "大字",
          otherLang: "English", otherLangPayload: "lang:en", topics: "主题",
          offline: "网络不通,请稍后再试。您的问题还在输入框里。",
          clear: "清空记录", clearConfirm: "再点一次清空", earlier: "↩ 回答您之前的问题" },
    en: { title: "Huaihai Home resident helper", placeholder: "Type your question", send: "Send",
          large: "Large text", otherLang: "中文", otherLangPayload: "lang:zh", topics: "Topics",
          offline: "No connection; please try again in a moment. Your question is still in the box.",
          clear: "Clear history", clearConfirm: "Tap again to clear",
          earlier: "↩ An answer to your earlier question" }
  };
  var LARGE_KEY = "hh-large-text";
  var POLL_EVERY = 20000; // ms: a follow-up taught while the page is open arrives within it

  var log = document.getElementById("log");
  var composer = document.getElementById("composer");
  var input = document.getElementById("question");
  var largeSwitch = document.getElementById("large-text");
  var clearButton = document.getElementById("clear-history");
  var shownFollowups = {}; // ids already on screen: a poll never shows one twice
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var lang = document.documentElement.getAttribute("lang") === "en" ? "en" : "zh";
  var busy = false;

  function remembered(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function remember(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  function setLarge(on) {
    document.documentElement.classList.toggle("large", on);
    largeSwitch.setAttribute("aria-pressed", on ? "true" : "false");
    remember(LARGE_KEY, on ? "1" : "0");
  }

  function setLanguage(next) {
    lang = next === "en" ? "en" : "zh";
    var ui = UI[lang];
    document.documentElement.setAttribute("lang", lang);
    document.title = ui.title;
    document.getElementById("title").textContent = ui.title;
    input.setAttribute("placeholder", ui.placeholder);
    document.getElementById("send").textContent = ui.send;
    largeSwitch.textContent = ui.large;
    var langSwitch = document.getElementById("lang-switch");
    langSwitch.textContent = ui.otherLang;
    langSwitch.value = ui.otherLangPayload;
    document.getElementById("topics").textContent = ui.topics;
    clearButton.textContent = ui.clear;
  }

  function bubble(kind, text, before) {
    var box = document.createElement("div");
    box.className = "msg " + kind;
    var p = document.createElement("p");
    p.className = "text";
    p.textContent = text;
    box.appendChild(p);
    log.insertBefore(box, before || null);
    return box;
  }

  function notice(text) {
    // announced at once (role=alert), and scrolled to where the resident can read it
    var box = bubble("bot notice", text);
    box.setAttribute("role", "alert");
    box.scrollIntoView({ block: "nearest" });
    return box;
  }

  function addButtons(box, rows) {
    if (!rows.length) { return; }
    var buttons = document.createElement("div");
    buttons.className = "buttons";
    rows.forEach(function (row) {
      var line = document.createElement("div");
      line.className = "row";
      row.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.name = "payload";
        button.value = b.payload;
        button.textContent = b.label;
        line.appendChild(button);
      });
      buttons.appendChild(line);
    });
    box.appendChild(buttons);
  }

  function showFollowup(followup, before) {
    var box = bubble("bot followup", followup.text, before);
    box.setAttribute("lang", followup.lang);
    var tag = document.createElement("p");
    tag.className = "tag";
    tag.textContent = UI[followup.lang === "en" ? "en" : "zh"].earlier;
    box.insertBefore(tag, box.firstChild);
    addButtons(box, followup.buttons);
    return box;
  }

  async function acknowledge(ids) {
    if (!ids.length) { return; }
    try {
      await post("/api/followups/ack", { ids: ids }, false);
    } catch (e) { /* offline: they stay pending, and come back with the next poll */ }
  }

  // Answers to earlier questions: shown (before `before`, else at the end), then
  // acknowledged, so the server marks them sent only once they are on screen.
  async function fetchFollowups(before) {
    var response = await fetch("/api/followups", { credentials: "same-origin" });
    if (!response.ok) { return; }
    var list = (await response.json()).followups;
    var ids = [];
    var first = null;
    list.forEach(function (followup) {
      ids.push(followup.id);
      if (shownFollowups[followup.id]) { return; }
      shownFollowups[followup.id] = true;
      var box = showFollowup(followup, before);
      first = first || box;
    });
    if (first && !before) { first.scrollIntoView({ block: "start" }); }
    await acknowledge(ids);
  }

  function poll() {
    if (document.visibilityState === "hidden" || busy) { return; }
    fetchFollowups(null).catch(function () { /* offline: the next poll tries again */ });
  }

  function showReply(reply, question) {
    var box = bubble(reply.asks_feedback ? "bot answer" : "bot", reply.text);
    box.setAttribute("lang", reply.lang);
    addButtons(box, reply.buttons);
    setLanguage(reply.page_lang || reply.lang);
    // the resident's own words first, then the start of the answer, however long it is
    (question || box).scrollIntoView({ block: "start" });
  }

  async function refreshToken() {
    var response = await fetch("/api/session", { credentials: "same-origin" });
    csrf = (await response.json()).csrf;
  }

  async function post(path, body, retried) {
    var response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Chat-Lang": lang },
      body: JSON.stringify(body)
    });
    var data = await response.json();
    if (response.status === 403 && data.error === "csrf" && !retried) {
      await refreshToken(); // the server restarted, or the cookie was lost: once more
      return post(path, body, true);
    }
    return { ok: response.ok, data: data };
  }

  // True once the server answered; a question that did not go stays where it was typed.
  async function send(path, body, shown) {
    if (busy) { return false; }
    busy = true;
    var question = shown ? bubble("me", shown) : null;
    try {
      await fetchFollowups(question); // answers to earlier questions come first
      var result = await post(path, body, false);
      if (result.ok) {
        showReply(result.data, question);
        return true;
      }
      if (question) { log.removeChild(question); }
      notice(result.data.message);
    } catch (e) {
      if (question) { log.removeChild(question); }
      notice(UI[lang].offline);
    } finally {
      busy = false;
    }
    return false;
  }

  composer.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = input.value;
    if (busy || !text.trim()) { return; } // keep what was typed until the last answer is in
    if (await send("/api/message", { text: text }, text) && input.value === text) {
      input.value = "";
    }
  });

  // 清空记录: a second tap within a few seconds clears (a stray tap loses nothing)
  var clearArmed = null;
  clearButton.addEventListener("click", function (event) {
    if (clearArmed) { return; } // the form posts to /clear, which comes back to a new page
    event.preventDefault();
    clearButton.textContent = UI[lang].clearConfirm;
    clearArmed = setTimeout(function () {
      clearArmed = null;
      clearButton.textContent = UI[lang].clear;
    }, 4000);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button[name="payload"]') : null;
    if (!button) { return; }
    event.preventDefault();
    send("/api/button", { payload: button.value, label: button.textContent }, button.textContent);
  });

  largeSwitch.hidden = false;
  largeSwitch.addEventListener("click", function () {
    setLarge(!document.documentElement.classList.contains("large"));
  });
  setLarge(remembered(LARGE_KEY) === "1");
  setLanguage(lang);

  // follow-ups the server put in the page: on screen now, so acknowledged
  var pending = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-followup]"), function (box) {
    var id = box.getAttribute("data-followup"); // "f12" a follow-up, "h3" a staff answer
    shownFollowups[id] = true;
    pending.push(id);
  });
  acknowledge(pending);
  var last = log.lastElementChild;
  if (last && log.querySelector(".msg.me")) { last.scrollIntoView({ block: "end" }); } // history: newest in view
  setInterval(poll, POLL_EVERY);
  document.addEventListener("visibilitychange", poll);
})();
