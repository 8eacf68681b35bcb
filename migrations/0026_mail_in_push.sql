-- Replies by e-mail (crate::notifications::inbound): each message taken
-- in is remembered by its Message-ID, so a message delivered twice (an MTA
-- retrying after a lost answer) makes one reply.
CREATE TABLE inbound_mail (
    message_id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reply_id BIGINT,
    received_at BIGINT NOT NULL
);

-- Web Push subscriptions (crate::notifications::push, RFC 8030/8291/8292):
-- one per browser a person subscribed; `p256dh` and `auth` are the
-- browser's public key and secret (base64url), as PushSubscription.toJSON()
-- gives them. Deleted when the push service answers 404 or 410.
CREATE TABLE push_subscriptions (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_success_at BIGINT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The VAPID key pair of the instance (one row, made on first use):
-- PKCS#8 private key and uncompressed public point, base64url.
CREATE TABLE push_keys (
    id BIGINT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL
);

-- Records already pushed (or looked at by the push pass: 0).
ALTER TABLE notifications ADD COLUMN pushed_at BIGINT;
