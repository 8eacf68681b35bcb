"""A real fediverse peer for tests/it/federation_peers.rs: fediverse-pasture
0.2.25 (Helge's Fediverse test framework, MIT) with bovine.

It serves pasture's `one_actor` application (a Quart app with bovine's
actor, WebFinger and inbox) on 127.0.0.1, then has that actor send one
`Create` of a `Note` replying to a Passerelles publication, POSTed by
bovine's client — signed with draft-cavage HTTP Signatures (`Digest`), as
bovine signs — to the given inbox. The actor stays served until stdin
closes, so that Passerelles can fetch it to verify the signature.

    pasture_peer.py INBOX IN_REPLY_TO AUDIENCE

Prints one JSON line: the POST's status, the actor's, the Note's and the
activity's ids.
"""

import asyncio
import json
import os
import socket
import sys
import tempfile


async def main(inbox, in_reply_to, audience):
    # pasture keeps its generated keys in ./data.toml.
    os.chdir(tempfile.mkdtemp(prefix="pasture-"))
    import aiohttp
    from fediverse_pasture.data_provider import (
        DataProvider,
        bovine_actor_for_actor_data,
    )
    from fediverse_pasture.server.one_actor_app import app_for_data_provider

    dp = DataProvider.generate(with_possible_actors=False)
    dp.save()
    app = app_for_data_provider(dp)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    domain = f"http://127.0.0.1:{port}"
    server = asyncio.create_task(app.run_task(host="127.0.0.1", port=port))

    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(
                    f"{domain}/actor", headers={"accept": "application/activity+json"}
                ) as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)

        actor_id = f"{domain}/actor"
        bovine_actor, actor = bovine_actor_for_actor_data(actor_id, dp.one_actor)
        await bovine_actor.init(session=session)
        note_id = f"{domain}/notes/1"
        note = {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor_id,
            "inReplyTo": in_reply_to,
            "content": "<p>Réponse depuis la <b>pâture</b> (bovine)</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [audience],
            "published": "2026-12-07T03:00:00Z",
        }
        create = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{domain}/activities/1",
            "type": "Create",
            "actor": actor_id,
            "object": note,
            "to": note["to"],
            "cc": note["cc"],
        }
        try:
            response = await bovine_actor.post(inbox, create)
            status = response.status
        except aiohttp.ClientResponseError as e:
            status = e.status
        print(
            json.dumps(
                {
                    "status": status,
                    "actor": actor_id,
                    "note": note_id,
                    "activity": create["id"],
                }
            ),
            flush=True,
        )
        # Stay up (the actor may be fetched again) until told to stop.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.cancel()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
