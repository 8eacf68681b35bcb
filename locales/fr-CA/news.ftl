# Fils d'actualité locale (agrégation, issue 17 C14)
community-tab-news = Fils d'actualité
news-lead = La communauté suit les fils RSS, Atom ou JSON Feed des médias et organismes du territoire. Leurs nouveaux articles apparaissent dans son fil comme des veilles d'une source externe, que les membres peuvent commenter. Les fils sont relus toutes les 30 minutes ; un fil en erreur est réessayé de plus en plus tard et son erreur reste affichée ici.
news-add-title = Suivre un fil
news-field-url = Adresse du fil
news-field-url-hint = L'adresse RSS, Atom ou JSON Feed (par exemple https://exemple.org/feed/), pas celle de la page d'accueil.
news-field-tags = Étiquettes
news-field-tags-hint = Données à chaque article de ce fil, séparées par des virgules (5 au plus).
news-add = Suivre ce fil
news-list-title = Fils suivis
news-none = La communauté ne suit encore aucun fil.
news-fetch-now = Relire les fils maintenant
news-health-ok = En bon état
news-health-failing = En erreur
news-health-waiting = Pas encore lu
news-last-success = Dernière lecture réussie
news-never = Jamais
news-last-error = Dernière erreur
news-failures = Échecs de suite
news-next-try = Prochaine lecture
news-items = Articles
news-items-count = { $count ->
    [one] { $count } article ajouté
   *[other] { $count } articles ajoutés
}
news-duplicates-count = { $count ->
    [one] { $count } doublon écarté
   *[other] { $count } doublons écartés
}
news-remove = Ne plus suivre
news-source = Source externe : { $name }
news-source-badge = Source externe
news-error-entities = Le document déclare des entités XML : refusé (protection contre les « milliards de rires »).
news-error-html = L'adresse donne une page Web, pas un fil. Cherchez le lien RSS ou Atom du site.
news-error-invalid = Ce n'est pas un fil valide.
news-error-too-large = Le fil dépasse 5 Mo : refusé sans être lu en entier.
news-error-empty = La réponse est vide.
news-error-url = Entrez une adresse http ou https complète.
news-error-already = La communauté suit déjà ce fil.
news-error-too-many = La communauté suit déjà le nombre maximal de fils.
flash-news-subscribed = Fil ajouté : il sera lu dans un instant.
flash-news-fetching = Les fils seront relus dans un instant.
flash-news-removed = La communauté ne suit plus ce fil. Les articles déjà repris restent.

# Territories and organisations
news-local-title = Nouvelles locales
news-local-source = Source :
news-local-manage = Fils de nouvelles suivis
news-place-lead = Ce territoire ou cette organisation suit les fils RSS, Atom ou JSON Feed des médias et organismes locaux. Leurs nouveaux articles apparaissent sur sa page avec leur source. Les fils sont relus toutes les 30 minutes ; un fil en erreur est réessayé de plus en plus tard et son erreur reste affichée ici.
news-error-place-already = Ce fil est déjà suivi ici.
news-error-place-too-many = Le nombre maximal de fils suivis est atteint.
