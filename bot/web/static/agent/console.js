/* The agent console's live parts, on top of pages that work without them:
 * - the queue re-renders when it changes (Server-Sent Events), new arrivals are highlighted,
 *   announced in a live region and, unless turned off, signalled with a short tone;
 * - a conversation's new messages, notes and state arrive live; sending does not reload;
 * - canned replies are put in the message box for the agent to adapt.
 * Everything anyone wrote reaches the page through textContent, never as HTML; the queue's
 * rows come from the server's own autoescaped template.
 */
(function () {
  "use strict";

  var SOUND_KEY = "spoc-agent-sound";
  var AUTHORS = { user: "Personen", bot: "Boten", agent: "Handläggare", system: "System" };

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.18);
      tone.onended = function () { audio.close(); };
    } catch (error) { /* no sound is fine: the visual cue and the announcement remain */ }
  }

  function waitingIds(root) {
    var section = root.querySelector("[data-waiting]");
    var ids = section ? section.getAttribute("data-waiting") : "";
    return ids ? ids.split(",") : [];
  }

  function queuePage(queue) {
    var toggle = document.getElementById("sound-toggle");
    var announcer = document.getElementById("queue-announcer");
    if (toggle) {
      toggle.checked = localStorage.getItem(SOUND_KEY) !== "off";
      toggle.addEventListener("change", function () {
        localStorage.setItem(SOUND_KEY, toggle.checked ? "on" : "off");
      });
    }
    var known = waitingIds(queue);
    var first = true;

    function refresh() {
      fetch(queue.getAttribute("data-rows-url"), { credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) { window.location.assign("/agent/login"); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          var focused = document.activeElement && document.activeElement.closest("#queue");
          queue.innerHTML = html;
          var now = waitingIds(queue);
          var arrived = now.filter(function (id) { return known.indexOf(id) < 0; });
          known = now;
          arrived.forEach(function (id) {
            var row = queue.querySelector('.queue-row[data-id="' + id + '"]');
            if (row) row.classList.add("is-new");
          });
          if (arrived.length) {
            announcer.textContent = arrived.length === 1
              ? "En ny konversation väntar i kön."
              : arrived.length + " nya konversationer väntar i kön.";
            if (toggle && toggle.checked) beep();
            document.title = "(" + now.length + ") Kö – spoc agentkonsol";
          }
          if (focused) { var heading = document.getElementById("waiting-title"); if (heading) heading.focus(); }
        });
    }

    var source = new EventSource(queue.getAttribute("data-events-url"));
    source.addEventListener("queue", function () {
      if (first) { first = false; return; }  // the page itself is the first snapshot
      refresh();
    });
    setInterval(function () { if (!document.hidden) refresh(); }, 30000);  // waiting times
  }

  function messageItem(message) {
    var item = document.createElement("li");
    item.className = "msg msg--" + message.author;
    item.setAttribute("data-id", String(message.id));
    var who = document.createElement("span");
    who.className = "msg__who";
    who.textContent = (AUTHORS[message.author] || message.author) + (message.name ? " (" + message.name + ")" : "");
    var text = document.createElement("p");
    text.className = "msg__text";
    text.textContent = message.text;
    item.appendChild(who);
    item.appendChild(text);
    return item;
  }

  function conversationPage(root) {
    var transcript = document.getElementById("transcript");
    var scroller = transcript.parentElement;
    scroller.scrollTop = scroller.scrollHeight;
    var notes = document.getElementById("notes");
    var owner = root.getAttribute("data-owner");
    var url = root.getAttribute("data-events-url") + "?after=" + root.getAttribute("data-last-id");
    var source = new EventSource(url);
    source.addEventListener("message", function (event) {
      var message = JSON.parse(event.data);
      if (transcript.querySelector('[data-id="' + message.id + '"]')) return;
      transcript.appendChild(messageItem(message));
      scroller.scrollTop = scroller.scrollHeight;
    });
    source.addEventListener("note", function (event) {
      var note = JSON.parse(event.data);
      if (notes.querySelector('[data-id="' + note.id + '"]')) return;
      var item = document.createElement("li");
      item.setAttribute("data-id", String(note.id));
      var who = document.createElement("strong");
      who.textContent = note.agent;
      item.appendChild(who);
      item.appendChild(document.createTextNode(": " + note.text));
      notes.appendChild(item);
    });
    source.addEventListener("state", function (event) {
      var state = JSON.parse(event.data);
      if (state.owner !== owner) { source.close(); window.location.reload(); }
    });

    var compose = document.getElementById("compose");
    if (!compose) return;
    var box = document.getElementById("message");
    var error = document.getElementById("send-error");
    compose.querySelectorAll("[data-canned]").forEach(function (button) {
      button.addEventListener("click", function () {
        box.value = button.getAttribute("data-canned");
        box.focus();
      });
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        compose.requestSubmit();
      }
    });
    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value.trim();
      if (!text) return;
      var button = compose.querySelector('button[type="submit"]');
      button.disabled = true;
      fetch(root.getAttribute("data-send-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          error.textContent = "Meddelandet skickades inte: " + result.body.error.message;
          error.hidden = false;
          return;
        }
        error.hidden = true;
        box.value = "";
        if (!transcript.querySelector('[data-id="' + result.body.id + '"]')) {
          transcript.appendChild(messageItem(result.body));
        }
      }).catch(function () {
        error.textContent = "Meddelandet skickades inte: ingen kontakt med servern. Försök igen.";
        error.hidden = false;
      }).then(function () { button.disabled = false; box.focus(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.getElementById("queue");
    if (queue) queuePage(queue);
    var conversation = document.getElementById("conversation");
    if (conversation) conversationPage(conversation);
  });
})();
