// The /live Socket.IO connection (docs/realtime.md): join on every (re)connect with our
// position, hold `change`s that arrive while the join is pending, and say how we are connected.

import { io } from "socket.io-client";

const ACK_TIMEOUT = 10000;

export class LiveClient {
  /**
   * `on` has: status(state, detail), change(change, {catchUp}), presence(changes) (a
   * `presence_changed` message's per-person changes, in order),
   * joined(reply), reload() (a promise: the sheet again over HTTP), position() (ours).
   */
  constructor({ planId, budgetId, on, presence = true }) {
    this.planId = planId;
    this.budgetId = budgetId;
    this.presence = presence; // false: follow the plan without appearing in its presence
    this.on = on;
    this.ready = false; // joined on the current connection
    this.held = null; // changes received while a join is pending
    this.heldPresence = null; // presence changes received meanwhile
    this.waiting = new Set(); // rejecters of calls not yet answered
  }

  start() {
    this.socket = io("/live", {
      transports: ["websocket", "polling"], tryAllTransports: true,
      reconnectionDelay: 300, reconnectionDelayMax: 3000, timeout: 8000,
    });
    const { socket } = this;
    this.on.status("connecting");
    socket.on("connect", () => this.join());
    socket.on("disconnect", (reason) => this.lost(reason));
    socket.on("connect_error", (error) => this.refused(error));
    socket.io.on("reconnect_attempt", () => {
      if (navigator.onLine !== false) this.on.status("reconnecting");
    });
    socket.on("change", (change) => {
      if (change.plan_id !== this.planId) return;
      if (this.held) this.held.push(change);
      else if (this.ready) this.on.change(change, { catchUp: false });
    });
    socket.on("access_ended", (message) => {
      // No longer a member: the server took us out of the meeting; nothing more will come.
      if (message.plan_id !== this.planId) return;
      this.ready = false;
      this.held = null;
      this.heldPresence = null;
      this.on.status("refused", message);
    });
    socket.on("presence_changed", (message) => {
      // The join's reply has the whole list; these change it person by person.
      // Those that come while the join is pending are newer than the reply's list: held.
      if (message.plan_id !== this.planId) return;
      if (this.heldPresence) this.heldPresence.push(message.changes);
      else if (this.ready) this.on.presence(message.changes);
    });
    // The browser knows before the socket does: leave at once, come back when it is back.
    window.addEventListener("offline", () => {
      socket.disconnect();
      this.on.status("offline");
    });
    window.addEventListener("online", () => {
      if (!socket.connected) socket.connect();
    });
    window.addEventListener("pagehide", () => socket.disconnect());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted && !socket.connected) socket.connect();
    });
  }

  async join() {
    this.held = [];
    this.heldPresence = [];
    this.ready = false;
    let reply;
    try {
      const join = { plan_id: this.planId, budget_id: this.budgetId, since: this.on.position(),
                     presence_changes: true };
      if (!this.presence) join.presence = false;
      reply = await this.call("join", join);
    } catch {
      this.held = null;
      this.heldPresence = null;
      return; // disconnected meanwhile: the next connect joins again
    }
    if (!reply.ok) {
      this.held = null;
      this.heldPresence = null;
      this.on.status("refused", reply.error);
      return;
    }
    if (reply.reset) {
      await this.on.reload();
      return this.join();
    }
    for (const change of reply.changes) this.on.change(change, { catchUp: true });
    const held = this.held;
    this.held = null;
    for (const change of held) this.on.change(change, { catchUp: false });
    this.ready = true;
    this.on.joined(reply);
    const heldPresence = this.heldPresence;
    this.heldPresence = null;
    for (const changes of heldPresence) this.on.presence(changes);
    this.on.status("connected");
  }

  /** Emit with an acknowledgement; rejects on timeout or when the connection drops. */
  call(event, data) {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new Error("offline"));
        return;
      }
      const settle = (fn) => (value) => {
        this.waiting.delete(rejecter);
        fn(value);
      };
      const rejecter = settle(reject);
      this.waiting.add(rejecter);
      this.socket.timeout(ACK_TIMEOUT).emit(event, data, (error, reply) => {
        if (error) rejecter(error);
        else settle(resolve)(reply);
      });
    });
  }

  command(command) {
    return this.call("command", command);
  }

  focus(cell) {
    if (!this.ready) return;
    this.call("focus", { plan_id: this.planId, budget_id: this.budgetId, cell }).catch(() => {});
  }

  lost(reason) {
    this.ready = false;
    this.held = null;
    this.heldPresence = null;
    for (const reject of [...this.waiting]) reject(new Error(reason));
    const offline = navigator.onLine === false || reason === "io client disconnect";
    this.on.status(offline ? "offline" : "reconnecting");
    if (reason === "io server disconnect") setTimeout(() => this.socket.connect(), 1000);
  }

  refused(error) {
    // Network failures carry a `type` (or say "timeout"); an error without one is the server
    // itself refusing the socket, which it does only without a session (a restart with a new
    // secret key ends them). socket.io does not retry those, so say so instead of "reconnecting".
    const fromServer = error && !error.type && error.message !== "timeout";
    if (fromServer || error?.data?.error === "not_signed_in") {
      this.on.status("signed_out", null);
    } else {
      this.on.status(navigator.onLine === false ? "offline" : "reconnecting");
    }
  }
}
