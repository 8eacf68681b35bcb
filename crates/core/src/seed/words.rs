//! The words of the demo content: names, themes, topics, sentences, in
//! Québec French (and a little English for the English-speaking communities).

pub(super) const FIRST: &[&str] = &[
    "Marie",
    "Jean",
    "Élodie",
    "François",
    "Geneviève",
    "Mathieu",
    "Chloé",
    "Samuel",
    "Noémie",
    "Olivier",
    "Isabelle",
    "Louis",
    "Camille",
    "Gabriel",
    "Sophie",
    "Antoine",
    "Émilie",
    "Félix",
    "Julie",
    "Philippe",
    "Catherine",
    "Alexandre",
    "Valérie",
    "Maxime",
    "Anne",
    "Nicolas",
    "Marie-Ève",
    "Étienne",
    "Josée",
    "Benoît",
    "Amélie",
    "Simon",
    "Léa",
    "Charles",
    "Audrey",
    "Hugo",
    "Nathalie",
    "Vincent",
    "Mélanie",
    "Raphaël",
    "Karine",
    "David",
    "Myriam",
    "Jérôme",
    "Sarah",
    "Michel",
    "Annie",
    "Yves",
    "Fatima",
    "Mamadou",
    "Sarah-Jeanne",
];
pub(super) const LAST: &[&str] = &[
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Gagné",
    "Ouellet",
    "Pelletier",
    "Bélanger",
    "Lévesque",
    "Bergeron",
    "Leblanc",
    "Paquette",
    "Girard",
    "Simard",
    "Boucher",
    "Caron",
    "Beaulieu",
    "Cloutier",
    "Dubé",
    "Poirier",
    "Fournier",
    "Lapointe",
    "Leclerc",
    "Lefebvre",
    "Poulin",
    "Thibault",
    "St-Pierre",
    "Nadeau",
    "Martin",
    "Landry",
    "Martel",
    "Bédard",
    "Grenier",
    "Lessard",
    "Diallo",
];
pub(super) const THEMES: &[(&str, &str)] = &[
    ("economie-sociale", "économie sociale"),
    ("action-communautaire", "action communautaire"),
    ("developpement-local", "développement local"),
    ("transition", "transition socio-écologique"),
    ("culture", "culture"),
    ("recherche", "recherche"),
    ("philanthropie", "philanthropie"),
    ("municipal", "milieu municipal"),
];
/// A subject, as it reads after a verb or a preposition ("sur la
/// mobilisation citoyenne"), after "de" ("de la mobilisation citoyenne",
/// contracted: "des achats responsables") and as a community's name.
pub(super) struct Topic {
    pub(super) plain: &'static str,
    pub(super) of: &'static str,
    pub(super) name: &'static str,
}

pub(super) const fn topic(plain: &'static str, of: &'static str, name: &'static str) -> Topic {
    Topic { plain, of, name }
}

pub(super) const TOPICS: &[Topic] = &[
    topic(
        "une cuisine collective",
        "d’une cuisine collective",
        "Cuisines collectives",
    ),
    topic(
        "un fonds de dépannage",
        "d’un fonds de dépannage",
        "Fonds de dépannage",
    ),
    topic(
        "une coopérative de solidarité",
        "d’une coopérative de solidarité",
        "Coopératives de solidarité",
    ),
    topic(
        "un jardin communautaire",
        "d’un jardin communautaire",
        "Jardins communautaires",
    ),
    topic(
        "la mobilisation citoyenne",
        "de la mobilisation citoyenne",
        "Mobilisation citoyenne",
    ),
    topic(
        "un projet d’habitation abordable",
        "d’un projet d’habitation abordable",
        "Habitation abordable",
    ),
    topic(
        "la sécurité alimentaire",
        "de la sécurité alimentaire",
        "Sécurité alimentaire",
    ),
    topic("un marché public", "d’un marché public", "Marchés publics"),
    topic(
        "le transport collectif en région",
        "du transport collectif en région",
        "Transport collectif en région",
    ),
    topic(
        "une friperie solidaire",
        "d’une friperie solidaire",
        "Friperies solidaires",
    ),
    topic(
        "l’accueil des personnes immigrantes",
        "de l’accueil des personnes immigrantes",
        "Accueil des personnes immigrantes",
    ),
    topic(
        "la gouvernance participative",
        "de la gouvernance participative",
        "Gouvernance participative",
    ),
    topic(
        "un atelier de réparation de vélos",
        "d’un atelier de réparation de vélos",
        "Ateliers vélo",
    ),
    topic(
        "la lutte contre l’isolement des aînés",
        "de la lutte contre l’isolement des aînés",
        "Isolement des aînés",
    ),
    topic(
        "une épicerie zéro déchet",
        "d’une épicerie zéro déchet",
        "Épiceries zéro déchet",
    ),
    topic(
        "le financement participatif",
        "du financement participatif",
        "Financement participatif",
    ),
    topic(
        "l’évaluation d’impact social",
        "de l’évaluation d’impact social",
        "Évaluation d’impact social",
    ),
    topic("un tiers-lieu", "d’un tiers-lieu", "Tiers-lieux"),
    topic(
        "la reprise collective d’entreprises",
        "de la reprise collective d’entreprises",
        "Reprise collective d’entreprises",
    ),
    topic(
        "les achats responsables",
        "des achats responsables",
        "Achats responsables",
    ),
    topic("une ressourcerie", "d’une ressourcerie", "Ressourceries"),
    topic(
        "la petite enfance",
        "de la petite enfance",
        "Petite enfance",
    ),
    topic(
        "la concertation intersectorielle",
        "de la concertation intersectorielle",
        "Concertation intersectorielle",
    ),
    topic(
        "un festival de quartier",
        "d’un festival de quartier",
        "Festivals de quartier",
    ),
    topic(
        "la rétention des bénévoles",
        "de la rétention des bénévoles",
        "Rétention des bénévoles",
    ),
];
/// Question openings: each is followed by a topic's `plain` form and "?".
pub(super) const QUESTION_STARTS: &[&str] = &[
    "Comment financer",
    "Qui a de l’expérience avec",
    "Par où commencer avec",
    "Qui peut nous accompagner pour",
    "Quels outils pour",
    "Des conseils sur",
    "Comment évaluer",
];
/// Discussion openings: followed by a topic's `plain` form.
pub(super) const DISCUSSION_STARTS: &[&str] = &[
    "Retour d’expérience :",
    "Bilan de notre projet :",
    "Réflexion sur",
    "Appel à collaboration pour",
    "Ce que nous avons appris avec",
];
/// Watch titles: followed by a topic's `plain` form.
pub(super) const WATCH_TITLES: &[&str] = &[
    "Nouveau programme de financement pour",
    "Guide pratique :",
    "Rapport de recherche sur",
    "Balado : entrevue sur",
    "Étude de cas :",
    "Appel de projets pour",
];
pub(super) const SENTENCES: &[&str] = &[
    "Notre organisme travaille sur ce dossier depuis deux ans avec des partenaires du milieu.",
    "Nous cherchons des exemples concrets qui ont fonctionné ailleurs au Québec.",
    "Le financement reste le principal obstacle, surtout pour les petits organismes.",
    "Les bénévoles sont au cœur du projet, mais leur disponibilité diminue.",
    "La municipalité s’est montrée ouverte à un partenariat à plus long terme.",
    "Nous avons documenté notre démarche dans un guide que nous pouvons partager.",
    "La table de concertation se réunit le mois prochain pour en discuter.",
    "Les résultats de la première année dépassent nos attentes.",
    "Il faudrait mieux outiller les personnes qui animent les communautés.",
    "Est-ce que d’autres régions vivent la même situation?",
    "Merci d’avance pour vos pistes et vos contacts!",
    "L’évaluation a montré des retombées importantes sur la participation citoyenne.",
    "Nous avons adapté le modèle à la réalité rurale de notre MRC.",
    "Une rencontre d’information aura lieu en ligne, tout le monde est bienvenu.",
    "Les personnes aînées ont été particulièrement présentes cette année.",
    "Le rapport est offert en français et en anglais.",
];
pub(super) const REPLIES: &[&str] = &[
    "Merci pour le partage, c’est très utile!",
    "Nous avons vécu la même chose dans notre quartier. Je vous écris en privé.",
    "Avez-vous regardé du côté des programmes des fondations de votre région?",
    "Excellente initiative, bravo à toute l’équipe.",
    "Je recommande de communiquer avec la CDC de votre territoire.",
    "Nous avons un gabarit de budget à partager si ça vous intéresse.",
    "Bonne question! J’ai hâte de lire les autres réponses.",
    "La clé, selon nous, a été d’impliquer les gens dès le départ.",
];
/// The English-speaking communities (a few, named as such) and their content.
pub(super) const EN_TOPICS: &[&str] = &[
    "community kitchens",
    "affordable housing",
    "food security",
    "volunteer retention",
    "social impact measurement",
    "welcoming newcomers",
    "community gardens",
    "participatory budgeting",
];
pub(super) const EN_QUESTION_STARTS: &[&str] = &[
    "How do you fund",
    "Any experience with",
    "Where to start with",
    "Which tools for",
];
pub(super) const EN_DISCUSSION_STARTS: &[&str] = &[
    "Lessons learned:",
    "Our first year of",
    "Looking for partners in",
    "Thoughts on",
];
pub(super) const EN_SENTENCES: &[&str] = &[
    "Our group has been working on this with local partners for two years.",
    "We are looking for concrete examples that worked elsewhere in Quebec.",
    "Funding remains the main obstacle for small organisations.",
    "We documented our approach in a short guide we are happy to share.",
    "An information session will be held online; everyone is welcome.",
    "The report is available in both English and French.",
];
pub(super) const EN_REPLIES: &[&str] = &[
    "Thanks for sharing, this is very useful!",
    "We had the same experience in our neighbourhood.",
    "Great initiative, congratulations to the whole team.",
    "Have you looked at the programs of the foundations in your region?",
];

/// "en Mauricie", "au Bas-Saint-Laurent", "à Montréal": the preposition
/// each administrative region takes.
pub(super) fn in_region(region: &str) -> String {
    let prep = match region {
        "Montréal" | "Laval" => "à",
        "Bas-Saint-Laurent" | "Saguenay–Lac-Saint-Jean" | "Centre-du-Québec" => "au",
        "Nord-du-Québec" => "dans le",
        "Capitale-Nationale" => "dans la",
        "Côte-Nord" => "sur la",
        "Laurentides" => "dans les",
        "Lanaudière" => "dans",
        _ => "en",
    };
    format!("{prep} {region}")
}

pub(super) const SITES: &[&str] = &[
    "tiess.ca",
    "chantier.qc.ca",
    "territoires-innovants.org",
    "exemple-media.ca",
    "observatoire.qc.ca",
];
