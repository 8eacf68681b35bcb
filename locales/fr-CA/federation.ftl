# Fédération (ActivityPub, issue 18)
federation-target-invalid = Cette adresse ne mène pas à un groupe joignable d’une autre instance.
