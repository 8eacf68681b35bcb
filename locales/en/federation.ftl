# Federation (ActivityPub, issue 18)
federation-target-invalid = This address does not lead to a reachable group of another instance.
