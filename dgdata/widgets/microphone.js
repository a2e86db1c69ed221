// The browser half of dgdata.widgets.LiveMicrophone: an anywidget ES module, no build step.
//
// The browser source captures the microphone with getUserMedia, an AudioWorklet resamples it
// from the AudioContext's rate to `sample_rate` (16 kHz) with a windowed-sinc low-pass filter
// and turns it into 16-bit PCM, and every `chunk_ms` (100 ms) a chunk goes to the kernel as a
// binary buffer: model.send({type: "audio", seq}, undefined, [arrayBuffer]). For the kernel and
// file sources, Start and Stop only send {type: "start"} / {type: "stop"}: the kernel captures.
// The kernel owns the state; synced traits (state, interim, final_text, error, level, elapsed)
// drive the view.

const PROCESSOR_NAME = "dgdata-pcm16-resampler";
const RUNNING = new Set(["starting", "listening", "finishing"]);

// The AudioWorklet processor, loaded from a Blob URL (a worklet module cannot be imported from
// this file when anywidget serves it inline).
export const WORKLET_SOURCE = String.raw`
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

// Streaming resampler: windowed-sinc (Blackman) low-pass at 0.9 x the output's Nyquist
// frequency (so ~74 dB down from the output's Nyquist frequency on with 24 zero crossings), evaluated at the exact fractional input position of every output sample
// (integer phase accumulator: no drift), from a polyphase table of filter rows.
class Resampler {
  constructor(inRate, outRate, zeroCrossings = 24, maxPhases = 1024) {
    this.outRate = outRate;
    this.stepInt = Math.floor(inRate / outRate);
    this.stepNum = inRate % outRate;
    const cutoff = 0.5 * Math.min(1, outRate / inRate) * 0.9; // cycles per input sample
    const halfWidth = zeroCrossings / (2 * cutoff); // input samples each side
    this.half = Math.ceil(halfWidth);
    this.taps = 2 * this.half;
    const exact = outRate / gcd(inRate, outRate);
    this.phases = Math.min(exact, maxPhases);
    this.table = [];
    for (let p = 0; p <= this.phases; p++) {
      const frac = p / this.phases;
      const row = new Float32Array(this.taps);
      let sum = 0;
      for (let k = 0; k < this.taps; k++) {
        const x = frac - (k - this.half + 1); // distance from the output position
        const u = x / halfWidth;
        let value = 0;
        if (Math.abs(u) < 1) {
          const arg = 2 * cutoff * x;
          const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
          value = sinc * (0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u));
        }
        row[k] = value;
        sum += value;
      }
      for (let k = 0; k < this.taps; k++) row[k] /= sum; // unity gain at 0 Hz
      this.table.push(row);
    }
    // Input history; samples before the first one are silence.
    this.buffer = new Float32Array(8192);
    this.start = -(this.half - 1); // absolute index of buffer[0]
    this.length = this.half - 1;
    this.position = 0; // integer part of the next output's input position
    this.fraction = 0; // its fractional part, in units of 1 / outRate
    this.received = 0; // real input samples so far
  }

  push(samples, emit) {
    this.append(samples);
    this.received += samples.length;
    this.run(emit, Infinity);
  }

  flush(emit) {
    this.append(new Float32Array(this.half + 1));
    this.run(emit, this.received);
  }

  append(samples) {
    if (this.length + samples.length > this.buffer.length) {
      const bigger = new Float32Array(2 * (this.length + samples.length));
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
    }
    this.buffer.set(samples, this.length);
    this.length += samples.length;
  }

  run(emit, limit) {
    const end = this.start + this.length; // one past the last sample held
    while (this.position + this.half < end && this.position < limit) {
      const phase = Math.round((this.fraction * this.phases) / this.outRate);
      const row = this.table[phase];
      const offset = this.position - this.half + 1 - this.start;
      let acc = 0;
      for (let k = 0; k < this.taps; k++) acc += row[k] * this.buffer[offset + k];
      emit(acc);
      this.position += this.stepInt;
      this.fraction += this.stepNum;
      if (this.fraction >= this.outRate) {
        this.fraction -= this.outRate;
        this.position += 1;
      }
    }
    const drop = this.position - this.half + 1 - this.start; // no longer needed
    if (drop > 0) {
      const kept = Math.max(0, this.length - drop);
      this.buffer.copyWithin(0, this.length - kept, this.length);
      this.length = kept;
      this.start += drop;
    }
  }
}

class Pcm16Resampler extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.chunk = o.chunkSamples || 1600;
    this.resampler = new Resampler(sampleRate, o.targetRate || 16000);
    this.pcm = new Int16Array(this.chunk);
    this.fill = 0;
    this.sumSquares = 0;
    this.done = false;
    this.emit = (value) => {
      const v = value > 1 ? 1 : value < -1 ? -1 : value;
      this.sumSquares += v * v;
      this.pcm[this.fill++] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
      if (this.fill === this.chunk) this.post();
    };
    this.port.onmessage = (event) => {
      if (event.data && event.data.type === "flush" && !this.done) {
        this.resampler.flush(this.emit);
        this.post();
        this.done = true;
        this.port.postMessage({ type: "flushed" });
      }
    };
  }

  post() {
    if (this.fill === 0) return;
    const samples = this.fill === this.chunk ? this.pcm : this.pcm.slice(0, this.fill);
    if (BIG_ENDIAN) {
      const view = new DataView(samples.buffer);
      for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
    }
    const rms = Math.sqrt(this.sumSquares / this.fill);
    this.port.postMessage(
      { type: "chunk", buffer: samples.buffer, samples: this.fill, rms },
      [samples.buffer],
    );
    this.pcm = new Int16Array(this.chunk);
    this.fill = 0;
    this.sumSquares = 0;
  }

  process(inputs) {
    if (this.done) return false;
    const channels = inputs[0];
    if (channels && channels.length) {
      let mono = channels[0];
      if (channels.length > 1) {
        mono = new Float32Array(mono.length);
        for (const channel of channels) {
          for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / channels.length;
        }
      }
      this.resampler.push(mono, this.emit);
    }
    return true;
  }
}

if (typeof registerProcessor === "function") registerProcessor("${PROCESSOR_NAME}", Pcm16Resampler);
`;

let workletUrl = null;

function workletUrls() {
  const urls = [];
  if (typeof Blob !== "undefined" && typeof URL !== "undefined" && URL.createObjectURL) {
    workletUrl ??= URL.createObjectURL(
      new Blob([WORKLET_SOURCE], { type: "application/javascript" }),
    );
    urls.push(workletUrl);
  }
  if (typeof btoa === "function") {
    urls.push("data:application/javascript;base64," + btoa(WORKLET_SOURCE)); // CSP without blob:
  }
  return urls;
}

// Checks made before getUserMedia; the names are the kernel's keys for its sentences.
export function captureProblem(win = globalThis) {
  if (!win.isSecureContext) return "InsecureContextError";
  const devices = win.navigator && win.navigator.mediaDevices;
  if (!devices || typeof devices.getUserMedia !== "function") return "NoMediaDevicesError";
  if (!(win.AudioContext || win.webkitAudioContext) || typeof win.AudioWorkletNode !== "function") {
    return "NoAudioWorkletError";
  }
  return null;
}

function withTimeout(promise, ms, onTimeout) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorName(err) {
  return (err && err.name) || "Error";
}

// One capture per model (shared by every view of the widget): idle, acquiring, capturing,
// stopping. Views subscribe to its changes for the level meter, the timer and local errors.
class BrowserCapture {
  constructor(model) {
    this.model = model;
    this.phase = "idle";
    this.error = "";
    this.level = 0;
    this.seconds = 0;
    this.listeners = new Set();
    this.parts = null;
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  sentence(name, message) {
    const known = (this.model.get("_browser_errors") || {})[name];
    return known || `The browser could not capture the microphone (${name}: ${message}).`;
  }

  fail(name, message) {
    this.release();
    this.phase = "idle";
    this.error = this.sentence(name, message);
    this.model.send({ type: "error", name, message: String(message || "") });
    this.changed();
  }

  async start() {
    if (this.phase !== "idle") return;
    this.error = "";
    this.level = 0;
    this.seconds = 0;
    this.phase = "acquiring";
    this.changed();
    const problem = captureProblem();
    if (problem) return this.fail(problem, "checked before getUserMedia");
    const parts = (this.parts = { seq: 0, samples: 0 });
    try {
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      parts.context = new AudioContextClass(); // made during the click: allowed to run
      parts.stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          echoCancellation: this.model.get("echo_cancellation"),
          noiseSuppression: this.model.get("noise_suppression"),
          autoGainControl: this.model.get("auto_gain_control"),
          channelCount: { ideal: 1 },
        },
        video: false,
      });
      if (this.parts !== parts) return this.release(parts); // stopped meanwhile
      let loaded = null;
      for (const url of workletUrls()) {
        try {
          await parts.context.audioWorklet.addModule(url);
          loaded = url;
          break;
        } catch (err) {
          console.debug("dgdata: loading the audio worklet failed", url.slice(0, 5), err);
        }
      }
      if (!loaded) return this.fail("NoAudioWorkletError", "addModule failed");
      const running = await withTimeout(parts.context.resume().then(() => true), 2000, false);
      if (this.parts !== parts) return this.release(parts);
      if (!running || parts.context.state !== "running") {
        return this.fail("AudioSuspendedError", `AudioContext is ${parts.context.state}`);
      }
      const rate = this.model.get("sample_rate");
      parts.node = new AudioWorkletNode(parts.context, PROCESSOR_NAME, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: {
          targetRate: rate,
          chunkSamples: Math.round((rate * this.model.get("chunk_ms")) / 1000),
        },
      });
      parts.node.port.onmessage = (event) => this.onWorkletMessage(parts, event.data);
      parts.input = parts.context.createMediaStreamSource(parts.stream);
      parts.mute = parts.context.createGain(); // keeps the graph pulled, plays nothing
      parts.mute.gain.value = 0;
      parts.input.connect(parts.node);
      parts.node.connect(parts.mute);
      parts.mute.connect(parts.context.destination);
      for (const track of parts.stream.getAudioTracks()) {
        track.addEventListener("ended", () => {
          if (this.parts === parts && this.phase === "capturing") {
            this.fail("TrackEndedError", "the audio track ended");
          }
        });
      }
      this.model.send({
        type: "start",
        device_rate: parts.context.sampleRate,
        sample_rate: rate,
      });
      this.phase = "capturing";
      this.changed();
    } catch (err) {
      if (this.parts === parts) this.fail(errorName(err), (err && err.message) || String(err));
      else this.release(parts);
    }
  }

  onWorkletMessage(parts, data) {
    if (!data) return;
    if (data.type === "flushed") {
      if (parts.flushed) parts.flushed();
      return;
    }
    if (data.type !== "chunk" || this.parts !== parts) return;
    parts.seq += 1;
    parts.samples += data.samples;
    this.level = data.rms;
    this.seconds = parts.samples / this.model.get("sample_rate");
    this.model.send({ type: "audio", seq: parts.seq, samples: data.samples }, undefined, [
      data.buffer,
    ]);
    this.changed();
  }

  // Stop capturing: the microphone is released at once, the worklet's last samples are sent,
  // then {type: "stop"} (unless the kernel asked for the stop itself).
  async stop(tellKernel = true) {
    const parts = this.parts;
    if (this.phase === "acquiring") {
      this.parts = null;
      this.phase = "idle";
      this.release(parts);
      this.changed();
      return;
    }
    if (this.phase !== "capturing" || !parts) return;
    this.phase = "stopping";
    this.changed();
    for (const track of parts.stream.getTracks()) track.stop();
    try {
      parts.input.disconnect();
    } catch (err) {
      /* already disconnected */
    }
    await withTimeout(
      new Promise((resolve) => {
        parts.flushed = resolve;
        parts.node.port.postMessage({ type: "flush" });
      }),
      1000,
      null,
    );
    this.parts = null;
    this.release(parts);
    if (tellKernel) this.model.send({ type: "stop" });
    this.phase = "idle";
    this.level = 0;
    this.changed();
  }

  release(parts = this.parts) {
    if (!parts) return;
    if (parts === this.parts) this.parts = null;
    if (parts.stream) for (const track of parts.stream.getTracks()) track.stop();
    if (parts.context && parts.context.state !== "closed") {
      parts.context.close().catch(() => {});
    }
  }
}

// Keyed by the widget's `_key` trait: anywidget gives initialize() and each render() a
// different proxy of the same model, so the proxy object cannot be the key.
const captures = new Map();

function captureOf(model) {
  const key = model.get("_key") || "";
  let capture = captures.get(key);
  if (!capture) {
    capture = new BrowserCapture(model);
    captures.set(key, capture);
    // Python's start() / stop(), and the kernel's end of a session, reach every view once.
    const onMessage = (content) => {
      if (!content || content.type !== "capture") return;
      if (content.action === "start") capture.start();
      else if (content.action === "stop") capture.stop(capture.phase === "capturing");
    };
    const onState = () => {
      const state = model.get("state");
      if ((state === "error" || state === "done") && capture.phase === "capturing") {
        capture.stop(false); // the kernel's stream is over: let go of the microphone
      }
    };
    model.on("msg:custom", onMessage);
    model.on("change:state", onState);
    capture.dispose = () => {
      model.off("msg:custom", onMessage);
      model.off("change:state", onState);
      capture.release();
      captures.delete(key);
    };
  }
  return capture;
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function formatElapsed(seconds) {
  const total = Math.max(0, Math.floor((seconds || 0) * 10));
  const minutes = Math.floor(total / 600);
  const rest = (total % 600) / 10;
  return `${minutes}:${rest < 10 ? "0" : ""}${rest.toFixed(1)}`;
}

// The meter shows decibels: -60 dBFS (empty) to 0 dBFS (full).
export function meterFraction(rms) {
  if (!(rms > 0)) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(rms) + 60) / 60));
}

const STATUS = {
  idle: "Ready",
  starting: "Connecting…",
  listening: "Listening",
  finishing: "Finishing…",
  done: "Done",
  error: "Error",
};

function render({ model, el }) {
  const isBrowser = model.get("source") === "browser";
  const capture = isBrowser ? captureOf(model) : null;

  const root = make("div", "dgdata-mic");
  const bar = make("div", "dgdata-mic-bar");
  const startButton = make("button", "dgdata-mic-start", "Start");
  const stopButton = make("button", "dgdata-mic-stop", "Stop");
  startButton.type = stopButton.type = "button";
  const meter = make("div", "dgdata-mic-level");
  meter.setAttribute("role", "meter");
  meter.setAttribute("aria-label", "input level");
  meter.setAttribute("aria-valuemin", "0");
  meter.setAttribute("aria-valuemax", "1");
  const meterBar = make("div", "dgdata-mic-level-bar");
  meter.appendChild(meterBar);
  const elapsed = make("span", "dgdata-mic-elapsed", "0:00.0");
  const status = make("span", "dgdata-mic-status");
  const label = make("span", "dgdata-mic-source");
  bar.append(startButton, stopButton, meter, elapsed, status, label);
  const transcript = make("div", "dgdata-mic-transcript");
  const finalText = make("span", "dgdata-mic-final");
  const interim = make("span", "dgdata-mic-interim");
  transcript.append(finalText, interim);
  const error = make("div", "dgdata-mic-error");
  error.setAttribute("role", "alert");
  root.append(bar, transcript, error);
  el.appendChild(root);

  function update() {
    let state = model.get("state");
    const local = capture ? capture.phase : "idle";
    if (capture && !RUNNING.has(state)) {
      if (local === "acquiring" || local === "capturing") state = "starting";
      else if (capture.error) state = "error";
    }
    const live = local === "capturing" || local === "stopping";
    const level = live ? capture.level : model.get("level");
    const seconds = live ? capture.seconds : model.get("elapsed");
    root.dataset.state = state;
    root.dataset.source = model.get("source");
    root.dataset.capture = local;
    startButton.disabled = RUNNING.has(state) || local !== "idle";
    stopButton.disabled = !(RUNNING.has(state) || local === "acquiring" || local === "capturing");
    stopButton.disabled ||= state === "finishing" || local === "stopping";
    const fraction = meterFraction(level);
    meterBar.style.width = `${(100 * fraction).toFixed(1)}%`;
    meter.dataset.level = String(level || 0);
    meter.setAttribute("aria-valuenow", String(level || 0));
    elapsed.textContent = formatElapsed(seconds);
    elapsed.dataset.seconds = String(seconds || 0);
    status.textContent = STATUS[state] || state;
    label.textContent = model.get("source_label");
    finalText.textContent = model.get("final_text");
    const interimText = model.get("interim");
    interim.textContent = interimText ? (model.get("final_text") ? " " : "") + interimText : "";
    const message = (capture && capture.error) || model.get("error");
    error.textContent = message;
    error.hidden = !message;
  }

  startButton.addEventListener("click", () => {
    if (capture) capture.start();
    else model.send({ type: "start" });
  });
  stopButton.addEventListener("click", () => {
    if (capture && capture.phase !== "idle") capture.stop(true);
    else model.send({ type: "stop" });
  });

  const traits = ["state", "interim", "final_text", "error", "level", "elapsed", "source_label"];
  for (const name of traits) model.on(`change:${name}`, update);
  if (capture) capture.listeners.add(update);
  update();

  return () => {
    for (const name of traits) model.off(`change:${name}`, update);
    if (capture) capture.listeners.delete(update);
  };
}

function initialize({ model }) {
  if (model.get("source") !== "browser") return undefined;
  const capture = captureOf(model);
  return () => capture.dispose();
}

export default { initialize, render };
