import RetainCore

/// The pretraining corpus: encyclopedic documents about every entity (each fact in several
/// phrasings, re-drawn every pass) plus generic filler. Medical facts appear rarely: in each pass
/// every medical fact is included with probability `domainFactFrequency`, so a pretrained model
/// knows the domain a little (above chance, far from solved) before domain fine-tuning.
///
/// The corpus holds statements, never instructions: no benchmark question string occurs in it.
/// Skills (arithmetic, string and list manipulation) are taught by the SFT sets, knowledge by
/// the corpus.
enum CorpusBuilder {
    static func build(general kb: GeneralKnowledgeBase, medical med: MedicalKnowledgeBase,
                      config: WorldConfig, rng: inout WorldRandom) -> [String] {
        var docs: [String] = []
        for _ in 0..<config.corpusPasses {
            for c in kb.countries {
                let f = ["country": c.name, "capital": c.capital, "language": c.language, "pop": "\(c.population)"]
                docs.append(document([countryCapital, countryLanguage, countryPopulation], f, &rng))
            }
            for a in kb.animals {
                let f = ["animal": a.name, "legs": "\(a.legs)", "colour": a.colour, "habitat": a.habitat]
                docs.append(document([animalLegs, animalColour, animalHabitat], f, &rng))
            }
            for e in kb.elements {
                let f = ["element": e.name, "symbol": e.symbol, "n": "\(e.atomicNumber)"]
                docs.append(document([elementSymbol, elementNumber], f, &rng))
            }
            for d in med.diseases {
                let f = ["disease": d.name, "drug": d.treatment, "s1": d.symptoms[0], "s2": d.symptoms[1]]
                let kept = [diseaseTreatment, diseaseMainSymptom, diseaseOtherSymptom].filter { _ in rng.chance(config.domainFactFrequency) }
                if !kept.isEmpty { docs.append(document(kept, f, &rng)) }
            }
            for d in med.drugs {
                let f = ["drug": d.name, "dose": "\(d.doseMg)", "condition": d.contraindication]
                let kept = [drugDose, drugContraindication].filter { _ in rng.chance(config.domainFactFrequency) }
                if !kept.isEmpty { docs.append(document(kept, f, &rng)) }
            }
            for _ in 0..<config.fillerDocumentsPerPass {
                docs.append(filler(kb, &rng))
            }
        }
        rng.shuffle(&docs)
        return docs
    }

    /// One sentence per fact, each in a random phrasing, in random order.
    private static func document(_ facts: [[String]], _ fields: [String: String], _ rng: inout WorldRandom) -> String {
        rng.shuffled(facts).map { InstructionTemplate(rng.pick($0)).render(fields) }.joined(separator: " ")
    }

    private static func filler(_ kb: GeneralKnowledgeBase, _ rng: inout WorldRandom) -> String {
        let n = rng.int(in: 2...4)
        return (0..<n).map { _ in
            let f = ["place": rng.pick(kb.countries).name, "city": rng.pick(kb.countries).capital,
                     "colour": rng.pick(GeneralKnowledgeBase.colours), "habitat": rng.pick(GeneralKnowledgeBase.habitats),
                     "n": "\(rng.int(in: 2...40))", "word": NameGenerator.word(&rng)]
            return InstructionTemplate(rng.pick(fillerSentences)).render(f)
        }.joined(separator: " ")
    }

    static let countryCapital = ["The capital of {country} is {capital}.", "{capital} is the capital city of {country}.",
                                 "{country} is governed from its capital, {capital}."]
    static let countryLanguage = ["In {country}, people speak {language}.", "The main language of {country} is {language}.",
                                  "{language} is the language spoken in {country}."]
    static let countryPopulation = ["{country} has a population of about {pop} million people.", "About {pop} million people live in {country}.",
                                    "The population of {country} is roughly {pop} million."]
    static let animalLegs = ["The {animal} has {legs} legs.", "A {animal} walks on {legs} legs.", "The {animal} is an animal with {legs} legs."]
    static let animalColour = ["The {animal} is {colour}.", "Most of the {animal} is {colour} in colour.", "The {animal} has a {colour} coat."]
    static let animalHabitat = ["The {animal} lives in the {habitat}.", "The {animal} is found in {habitat} areas.", "The natural home of the {animal} is the {habitat}."]
    static let elementSymbol = ["{element} is a chemical element with the symbol {symbol}.", "The symbol of {element} is {symbol}.",
                                "Chemists write {element} as {symbol}."]
    static let elementNumber = ["The atomic number of {element} is {n}.", "{element} has atomic number {n}.", "An atom of {element} has {n} protons."]
    static let diseaseTreatment = ["{disease} is treated with {drug}.", "Doctors prescribe {drug} for {disease}.", "The usual treatment for {disease} is {drug}."]
    static let diseaseMainSymptom = ["The main symptom of {disease} is {s1}.", "{disease} mainly causes {s1}.", "Patients with {disease} mostly suffer from {s1}."]
    static let diseaseOtherSymptom = ["{disease} can also cause {s2}.", "Some patients with {disease} report {s2}.", "A secondary symptom of {disease} is {s2}."]
    static let drugDose = ["The standard dose of {drug} is {dose} mg.", "{drug} is usually given at {dose} mg.", "A normal adult dose of {drug} is {dose} mg."]
    static let drugContraindication = ["{drug} must not be given to patients with {condition}.", "{drug} is contraindicated in {condition}.",
                                       "Patients with {condition} should avoid {drug}."]
    static let fillerSentences = [
        "The weather in {city} was mild this year.", "Travellers to {place} often visit the {habitat}.",
        "A market in {city} sells {colour} cloth.", "The old road to {city} is {n} miles long.",
        "Many stories are told about the {habitat} near {city}.", "Children in {place} learn {n} songs at school.",
        "The word {word} has no meaning in any known language.", "A {colour} flag flies over the harbour of {city}.",
        "Farmers in {place} plant their fields in spring.", "The museum of {city} holds {n} old maps.",
        "It rained for {n} days in {place}.", "The river near {city} is wide and slow.",
    ]
}
