// Runs dgdata/widgets/microphone.js in node: a fake DOM, a fake model, fake getUserMedia /
// AudioContext, and an AudioWorkletNode that runs the module's real processor at 48 kHz.
// Used by tests/widgets/test_microphone_js.py: node mic_harness.mjs <module URL> <errors JSON>
const widget = await import(process.argv[2]);
const sentences = JSON.parse(process.argv[3]);
const out = {};
const tick = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

class FakeNode {
  constructor(tag) {
    Object.assign(this, { tag, children: [], className: "", textContent: "", dataset: {},
      style: {}, attributes: {}, hidden: false, disabled: false, listeners: {} });
  }
  append(...nodes) { this.children.push(...nodes); }
  appendChild(node) { this.children.push(node); return node; }
  setAttribute(key, value) { this.attributes[key] = String(value); }
  addEventListener(type, fn) { (this.listeners[type] ??= []).push(fn); }
  click() { if (!this.disabled) for (const fn of this.listeners.click ?? []) fn({}); }
  find(cls) {
    if (this.className.split(" ").includes(cls)) return this;
    for (const child of this.children) { const found = child.find(cls); if (found) return found; }
    return null;
  }
}
globalThis.document = { createElement: (tag) => new FakeNode(tag) };
globalThis.window = globalThis;

let models = 0;
function makeModel(source) {
  const values = { _key: `widget-${++models}`, source, state: "idle", interim: "",
    final_text: "", error: "", level: 0, elapsed: 0, source_label: source + " source",
    sample_rate: 16000, chunk_ms: 100,
    echo_cancellation: false, noise_suppression: false, auto_gain_control: false,
    _browser_errors: sentences };
  const handlers = {};
  return { values, sent: [],
    get: (key) => values[key],
    on: (event, fn) => (handlers[event] ??= new Set()).add(fn),
    off: (event, fn) => handlers[event]?.delete(fn),
    send(content, callbacks, buffers) { this.sent.push({ content, callbacks, buffers }); },
    emit: (event, ...args) => { for (const fn of handlers[event] ?? []) fn(...args); },
    change(key, value) { values[key] = value; this.emit("change:" + key); } };
}

let media = { calls: [], fail: null, tracks: [] };
Object.defineProperty(globalThis, "navigator", { configurable: true, value: { mediaDevices: {
  async getUserMedia(constraints) {
    media.calls.push(constraints);
    if (media.fail) throw Object.assign(new Error("Permission denied"), { name: media.fail });
    const track = { stopped: false, stop() { this.stopped = true; }, addEventListener() {} };
    media.tracks.push(track);
    return { getTracks: () => [track], getAudioTracks: () => [track] };
  } } } });
const contexts = [], processors = [];
globalThis.isSecureContext = true;
globalThis.AudioContext = class {
  constructor() { this.sampleRate = 48000; this.state = "suspended"; this.destination = {};
    this.modules = []; this.audioWorklet = { addModule: async (url) => this.modules.push(url) };
    contexts.push(this); }
  async resume() { this.state = "running"; }
  async close() { this.state = "closed"; }
  createMediaStreamSource() { return { connect() {}, disconnect() {} }; }
  createGain() { return { gain: { value: 1 }, connect() {} }; }
};
globalThis.AudioWorkletNode = class {
  constructor(context, name, options) {
    const registry = {};
    const Base = class { constructor() { this.port = {}; } };
    new Function("sampleRate", "AudioWorkletProcessor", "registerProcessor", widget.WORKLET_SOURCE)(
      context.sampleRate, Base, (n, cls) => { registry[n] = cls; });
    const processor = new registry[name](options);
    processor.port.postMessage = (m) => queueMicrotask(() => this.port.onmessage?.({ data: m }));
    this.port = { postMessage: (m) => queueMicrotask(() => processor.port.onmessage({ data: m })) };
    this.options = options;
    processors.push(processor);
  }
  connect() {}
};

function view(source) {
  const model = makeModel(source);
  // Like anywidget: initialize() and render() each get their own proxy of the model.
  const proxy = () => ({ get: model.get, send: model.send.bind(model), on: model.on,
    off: model.off });
  widget.default.initialize({ model: proxy() });
  const el = new FakeNode("div");
  widget.default.render({ model: proxy(), el });
  const q = (cls) => el.find(cls);
  const snap = () => ({ state: q("dgdata-mic").dataset.state,
    start: !q("dgdata-mic-start").disabled, stop: !q("dgdata-mic-stop").disabled,
    final: q("dgdata-mic-final").textContent,
    interim: q("dgdata-mic-interim").textContent, error: q("dgdata-mic-error").textContent,
    errorHidden: q("dgdata-mic-error").hidden, elapsed: q("dgdata-mic-elapsed").textContent,
    level: Number(q("dgdata-mic-level").dataset.level),
    meter: q("dgdata-mic-level-bar").style.width, label: q("dgdata-mic-source").textContent });
  return { model, q, snap, types: () => model.sent.map((m) => m.content.type) };
}

function sine(freq, seconds, amp = 0.5, rate = 48000) {
  const processor = processors.at(-1);
  const n = Math.round(rate * seconds);
  for (let i = 0; i < n; i += 128) {
    const block = new Float32Array(Math.min(128, n - i));
    for (let j = 0; j < block.length; j++) {
      block[j] = amp * Math.sin((2 * Math.PI * freq * (i + j)) / rate);
    }
    processor.process([[block]]);
  }
}

// 1. The browser source: Start, 1 s of a 440 Hz tone, kernel updates, Stop.
const b = view("browser");
out.initial = b.snap();
b.q("dgdata-mic-start").click();
out.acquiring = b.snap();
await tick();
out.constraints = media.calls[0];
out.startMessage = b.model.sent[0].content;
sine(440, 1.0);
await tick();
const audio = b.model.sent.filter((m) => m.content.type === "audio");
out.audio = audio.map((m) => ({ seq: m.content.seq, samples: m.content.samples,
  callbacks: m.callbacks === undefined ? "undefined" : typeof m.callbacks,
  arrayBuffer: m.buffers?.[0] instanceof ArrayBuffer, bytes: m.buffers?.[0]?.byteLength }));
const middle = new Int16Array(audio[5].buffers[0]);
out.peak = Math.max(...middle);
out.trough = Math.min(...middle);
out.capturing = b.snap();
b.model.change("state", "listening");
b.model.change("final_text", "hello there");
b.model.change("interim", "how are");
out.listening = b.snap();
b.q("dgdata-mic-stop").click();
await tick();
out.afterStop = { types: b.types().slice(-2), track: media.tracks[0].stopped,
  context: contexts[0].state, audioCount: b.types().filter((t) => t === "audio").length,
  samples: b.model.sent.reduce((n, m) => n + (m.content.samples || 0), 0) };
b.model.change("state", "done");
out.done = b.snap();

// 2. Loud input is clipped, not wrapped.
const c = view("browser");
c.q("dgdata-mic-start").click();
await tick();
sine(440, 0.3, 2.0);
await tick();
const loud = c.model.sent.filter((m) => m.content.type === "audio")
  .map((m) => new Int16Array(m.buffers[0]));
out.clipped = [Math.max(...loud[1]), Math.min(...loud[1])];
sine(10000, 0.3);  // above 8 kHz: must not alias into the 16 kHz output
await tick();
const high = c.model.sent.filter((m) => m.content.type === "audio").at(-1);
out.aliased = Math.max(...new Int16Array(high.buffers[0]).map(Math.abs));
c.model.emit("msg:custom", { type: "capture", action: "stop" });  // Python's stop()
await tick();
out.pythonStop = c.types().at(-1);

// 3. Permission denied.
media.fail = "NotAllowedError";
const d = view("browser");
d.q("dgdata-mic-start").click();
await tick();
out.denied = { ...d.snap(), sent: d.model.sent.map((m) => m.content),
  closed: contexts.at(-1).state };

// 4. Not a secure context: getUserMedia is not even tried.
media.fail = null;
globalThis.isSecureContext = false;
const calls = media.calls.length;
const e = view("browser");
e.q("dgdata-mic-start").click();
await tick();
out.insecure = { ...e.snap(), sent: e.model.sent.map((m) => m.content),
  tried: media.calls.length > calls };
globalThis.isSecureContext = true;

// 5. Python's start(), then the kernel's stream fails: the microphone is let go.
const f = view("browser");
f.model.emit("msg:custom", { type: "capture", action: "start" });
await tick();
const during = f.snap();
f.model.change("state", "error");
await tick();
out.kernelFailed = { types: f.types(), track: media.tracks.at(-1).stopped, during,
  after: f.snap() };

// 6. A kernel-side source: the buttons only send messages.
const k = view("file");
out.fileInitial = k.snap();
k.q("dgdata-mic-start").click();
k.model.change("state", "listening");
k.model.change("level", 0.1);
k.model.change("elapsed", 65.24);
out.fileListening = k.snap();
k.q("dgdata-mic-stop").click();
out.fileSent = k.model.sent.map((m) => m.content);
out.format = [widget.formatElapsed(0), widget.formatElapsed(65.24), widget.meterFraction(1),
  widget.meterFraction(0.001)];
console.log(JSON.stringify(out));
