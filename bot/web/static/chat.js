/* 淮海家 web chat. Plain ES2017 (WeChat's Android WebView runs it), no libraries.
   Every text from the server goes into the page with textContent, never as HTML.
   Without this script the page still works: its buttons and box are plain forms. */
(function () {
  "use strict";

  var UI = {
    zh: { title: "淮海家 居民助手", placeholder: "请输入您的问题", send: "发送", large: "大字",
          otherLang: "English", otherLangPayload: "lang:en", topics: "主题",
          offline: "网络不通,请稍后再试。" },
    en: { title: "Huaihai Home resident helper", placeholder: "Type your question", send: "Send",
          large: "Large text", otherLang: "中文", otherLangPayload: "lang:zh", topics: "Topics",
          offline: "No connection; please try again in a moment." }
  };
  var LARGE_KEY = "hh-large-text";

  var log = document.getElementById("log");
  var composer = document.getElementById("composer");
  var input = document.getElementById("question");
  var largeSwitch = document.getElementById("large-text");
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
  }

  function bubble(kind, text) {
    var box = document.createElement("div");
    box.className = "msg " + kind;
    var p = document.createElement("p");
    p.className = "text";
    p.textContent = text;
    box.appendChild(p);
    log.appendChild(box);
    return box;
  }

  function showReply(reply, question) {
    var box = bubble(reply.asks_feedback ? "bot answer" : "bot", reply.text);
    box.setAttribute("lang", reply.lang);
    if (reply.buttons.length) {
      var buttons = document.createElement("div");
      buttons.className = "buttons";
      reply.buttons.forEach(function (row) {
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
    setLanguage(reply.lang);
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

  async function send(path, body, shown) {
    if (busy) { return; }
    busy = true;
    var question = shown ? bubble("me", shown) : null;
    try {
      var result = await post(path, body, false);
      if (result.ok) {
        showReply(result.data, question);
      } else {
        bubble("bot notice", result.data.message);
      }
    } catch (e) {
      bubble("bot notice", UI[lang].offline);
    } finally {
      busy = false;
    }
  }

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (busy || !text.trim()) { return; } // keep what was typed until the last answer is in
    input.value = "";
    send("/api/message", { text: text }, text);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button[name="payload"]') : null;
    if (!button) { return; }
    event.preventDefault();
    send("/api/button", { payload: button.value }, button.textContent);
  });

  largeSwitch.hidden = false;
  largeSwitch.addEventListener("click", function () {
    setLarge(!document.documentElement.classList.contains("large"));
  });
  setLarge(remembered(LARGE_KEY) === "1");
  setLanguage(lang);
})();
