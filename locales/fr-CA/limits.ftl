# Limites et entrées (issue 12, points 5 à 11)

field-nul-character = Ce champ contient un caractère nul (U+0000), qui n’est pas accepté.
field-unknown = Ce champ ne fait pas partie de la requête (voir la description de l’API).
error-fields-title = Champs refusés :
image-busy = Trop d’images sont en cours de traitement. Réessayez dans quelques secondes.

api-insufficient-scope = La portée de ce jeton ne permet pas cette action (il faut un jeton « écriture »).
api-tokens-cannot-create-tokens = Un jeton ne peut pas créer d’autres jetons. Créez-les dans vos paramètres, une fois connecté.

token-scope = Portée
token-scope-read = Lecture
token-scope-read-hint = Lire ce que vous pouvez lire (requêtes GET seulement). Le choix le plus sûr.
token-scope-write = Écriture
token-scope-write-hint = Lire et aussi publier, répondre, modifier en votre nom.
token-scope-admin = Administration
token-scope-admin-hint = Tout ce qui précède, avec vos pouvoirs d’administration de l’instance.
token-scope-admin-only = Seuls les administrateurs peuvent créer un jeton d’administration.

password-keep-tokens = { $count ->
    [one] Garder mon jeton d’API actif
   *[other] Garder mes { $count } jetons d’API actifs
}
password-keep-tokens-hint = Sinon, ils sont révoqués avec le changement de mot de passe : quiconque connaissait l’ancien a pu en créer.
