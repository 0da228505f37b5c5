// Runs a batch of AWS SDK for JavaScript v3 calls and prints what the SDK made of each answer.
//
// Why: botocore-based clients (boto3, the AWS CLI) share the models the emulator validates
// with, so they can agree with its mistakes; this SDK parses the wire answers with its own
// code. tests/emulator/test_js_sdk.py runs it once per module against the stand-in.
//
// Usage: node run-calls.mjs < request.json   (or: node run-calls.mjs request.json)
// request: {"region": "us-east-1", "endpoints": {"personalize": URL, ...} (optional: without
//   them the SDK reads AWS_ENDPOINT_URL_* itself), "calls": [{"id", "client": "personalize" |
//   "runtime" | "events", "command": "PutEvents", "input": {...}, "until": {"path": [...],
//   "in": [...], "timeoutSeconds": 60} (optional: repeat until the output's value is one of)}]}
// In an input, {"$date": seconds or ISO text} is a Date and {"$ref": ID, "path": [...]} is a
// value of an earlier call's output.
// Output (stdout): {"results": {ID: {"ok", "status", "output" | "name", "message", "fault",
//   "raw": {"status", "contentType", "body"}}}}; a Date in an output is {"$date": ISO text}.
// Bad request: one line on stderr, exit 2.

import { readFileSync } from "node:fs";
import * as personalize from "@aws-sdk/client-personalize";
import * as runtime from "@aws-sdk/client-personalize-runtime";
import * as events from "@aws-sdk/client-personalize-events";

const MODULES = {
  personalize: [personalize, "PersonalizeClient"],
  runtime: [runtime, "PersonalizeRuntimeClient"],
  events: [events, "PersonalizeEventsClient"],
};

function fail(message) {
  process.stderr.write(`run-calls: ${message.replace(/\s+/g, " ")}\n`);
  process.exit(2);
}

function readRequest() {
  const path = process.argv[2];
  const text = path ? readFileSync(path, "utf8") : readFileSync(0, "utf8");
  let request;
  try {
    request = JSON.parse(text);
  } catch (error) {
    fail(`the request is not JSON: ${error.message}`);
  }
  if (!request || !Array.isArray(request.calls)) fail('the request needs a "calls" array');
  request.calls.forEach((call, index) => {
    if (typeof call.id !== "string") fail(`calls[${index}].id must be a string`);
    if (!(call.client in MODULES)) fail(`calls[${index}].client must be one of ${Object.keys(MODULES)}`);
    if (!(`${call.command}Command` in MODULES[call.client][0]))
      fail(`calls[${index}].command ${call.command} is not a command of the ${call.client} client`);
  });
  return request;
}

/** The middleware that keeps a copy of the raw answer (status, content type, body text). */
function captureRaw(sink) {
  return (next) => async (args) => {
    const result = await next(args);
    const response = result.response;
    const chunks = [];
    for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    sink.raw = {
      status: response.statusCode,
      contentType: response.headers["content-type"] ?? null,
      body: body.toString("utf8"),
    };
    const { Readable } = await import("node:stream");
    response.body = Readable.from([body]);
    return result;
  };
}

function makeClients(request) {
  const clients = {};
  for (const [name, [module, className]] of Object.entries(MODULES)) {
    const config = { maxAttempts: 1 };
    if (request.region) config.region = request.region;
    const endpoint = request.endpoints?.[name];
    if (endpoint) config.endpoint = endpoint;
    const sink = {};
    const client = new module[className](config);
    client.middlewareStack.addRelativeTo(captureRaw(sink), {
      relation: "after",
      toMiddleware: "deserializerMiddleware",
      name: "captureRawAnswer",
    });
    clients[name] = { client, module, sink };
  }
  return clients;
}

function valueAt(value, path) {
  return path.reduce((v, key) => (v == null ? undefined : v[key]), value);
}

function resolve(value, results) {
  if (Array.isArray(value)) return value.map((v) => resolve(v, results));
  if (value && typeof value === "object") {
    if ("$date" in value)
      return new Date(typeof value.$date === "number" ? value.$date * 1000 : value.$date);
    if ("$ref" in value) {
      const earlier = results[value.$ref];
      if (!earlier?.ok) fail(`$ref ${value.$ref}: no successful earlier call of that id`);
      return valueAt(earlier.output, value.path ?? []);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, results)]));
  }
  return value;
}

/** JSON of an output: Dates tagged, so the caller can tell a parsed timestamp from text. */
function tagged(value) {
  if (value instanceof Date)
    return { $date: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() };
  if (Array.isArray(value)) return value.map(tagged);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tagged(v)]));
  return value;
}

async function once(entry, call, input) {
  entry.sink.raw = null;
  try {
    const { $metadata, ...output } = await entry.client.send(
      new entry.module[`${call.command}Command`](input),
    );
    return { ok: true, status: $metadata.httpStatusCode, output: tagged(output), raw: entry.sink.raw };
  } catch (error) {
    return {
      ok: false,
      name: error.name,
      message: error.message,
      fault: error.$fault ?? null,
      status: error.$metadata?.httpStatusCode ?? null,
      raw: entry.sink.raw,
    };
  }
}

async function run(request) {
  const clients = makeClients(request);
  const results = {};
  for (const call of request.calls) {
    const input = resolve(call.input ?? {}, results);
    const entry = clients[call.client];
    let result = await once(entry, call, input);
    if (call.until) {
      const deadline = Date.now() + (call.until.timeoutSeconds ?? 60) * 1000;
      while (result.ok && !call.until.in.includes(valueAt(result.output, call.until.path))) {
        if (Date.now() > deadline) break;
        await new Promise((done) => setTimeout(done, 20));
        result = await once(entry, call, input);
      }
    }
    results[call.id] = result;
  }
  return results;
}

const results = await run(readRequest());
process.stdout.write(JSON.stringify({ results }) + "\n");
