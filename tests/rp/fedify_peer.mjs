// A real fediverse peer for tests/it/federation_peers.rs: Fedify 2.3.6 (the
// TypeScript ActivityPub framework, MIT) used as a library, serving on
// 127.0.0.1 a Person (`alice`) and a Group (`club`) with their own RSA keys,
// WebFinger, and inboxes that verify HTTP signatures (RFC 9421 and
// draft-cavage; Fedify signs with RFC 9421 first and knocks again with
// cavage, as Mastodon 4.5 does).
//
// The group accepts every Follow at once. Every activity received is kept
// and shown at GET /_control/log; POST /_control/follow {"actor", "target"}
// makes `actor` look `target` up and follow it.
//
// Prints {"port": N} on its first line once listening; stops on stdin EOF.

// Fedify reads navigator.userAgent at import time; Node 20 has no navigator.
globalThis.navigator ??= { userAgent: "Node" };

const http = await import("node:http");
const {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} = await import("@fedify/fedify");
const {
  Accept,
  Activity,
  Announce,
  Create,
  Endpoints,
  Follow,
  Group,
  Person,
  Undo,
} = await import("@fedify/fedify/vocab");

const federation = createFederation({
  kv: new MemoryKvStore(),
  // Loopback peers: a test only.
  allowPrivateAddress: true,
});

const keys = new Map();
async function keyPair(identifier) {
  if (!keys.has(identifier)) {
    keys.set(identifier, await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"));
  }
  return keys.get(identifier);
}

const ACTORS = { alice: Person, club: Group };
const log = [];
let accepted = 0;

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    const Kind = ACTORS[identifier];
    if (Kind == null) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Kind({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: identifier === "club" ? "Club Fedify" : "Alice Fedify",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((p) => p.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) =>
    ACTORS[identifier] == null ? [] : [await keyPair(identifier)]
  );

function record(kind, activity, extra = {}) {
  log.push({
    type: kind,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    ...extra,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    record("Follow", follow);
    const target = follow.objectId == null ? null : ctx.parseUri(follow.objectId);
    if (target?.type !== "actor" || ACTORS[target.identifier] == null) return;
    const follower = await follow.getActor(ctx);
    if (follower == null) return;
    accepted += 1;
    await ctx.sendActivity(
      { identifier: target.identifier },
      follower,
      new Accept({
        id: new URL(`#accepts/${accepted}`, ctx.getActorUri(target.identifier)),
        actor: follow.objectId,
        object: follow,
      }),
    );
  })
  .on(Accept, async (_ctx, accept) => record("Accept", accept))
  .on(Undo, async (_ctx, undo) => record("Undo", undo))
  .on(Announce, async (ctx, announce) => {
    // The announced object: a Page, or a Create wrapping one (FEP-1b12).
    let inner = null;
    try {
      const o = await announce.getObject(ctx);
      inner = {
        type: o?.constructor?.name ?? null,
        id: o?.id?.href ?? null,
        object: o?.objectId?.href ?? null,
        name: o?.name?.toString() ?? null,
      };
    } catch (e) {
      inner = { error: String(e) };
    }
    record("Announce", announce, { inner });
  })
  .on(Create, async (_ctx, create) => record("Create", create))
  .on(Activity, async (_ctx, activity) => record(activity.constructor.name, activity));

let base = null;

async function control(req, url, body) {
  if (req.method === "GET" && url.pathname === "/_control/log") {
    return [200, log];
  }
  if (req.method === "POST" && url.pathname === "/_control/follow") {
    const { actor, target } = JSON.parse(body.toString() || "{}");
    const ctx = federation.createContext(new URL(base), undefined);
    const object = await ctx.lookupObject(target);
    if (object == null || object.id == null) return [404, { error: `${target} not found` }];
    await ctx.sendActivity(
      { identifier: actor },
      object,
      new Follow({
        id: new URL(`#follows/${Date.now()}`, ctx.getActorUri(actor)),
        actor: ctx.getActorUri(actor),
        object: object.id,
      }),
    );
    return [200, { ok: true, followed: object.id.href, type: object.constructor.name }];
  }
  return [404, { error: "no such control" }];
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, base);
    if (url.pathname.startsWith("/_control/")) {
      const [status, doc] = await control(req, url, body);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(doc));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
      else if (v != null) headers.set(k, v);
    }
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await federation.fetch(request, { contextData: undefined });
    const out = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(out);
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(e?.stack ?? e));
  }
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  base = `http://127.0.0.1:${port}`;
  process.stdout.write(JSON.stringify({ port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
