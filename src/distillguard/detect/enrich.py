"""Per-exchange enrichment: what one exchange says about its sender, computed once.

Every detector signal starts from these columns, so both executors (the batch pass over
the store and the live :class:`~distillguard.detect.live.LiveDetector`) call the same
:func:`enrich` and can never disagree. Columns:

- ``tags``: capability bitmask (:data:`TAGS`) from the text and the request shape;
- ``prefix_key`` / ``suffix_key``: template fingerprints of the current user turn;
- ``dup_key``: hash of the whole normalised user turn (exact re-sends);
- ``sys_key`` / ``sys_sim``: system-prompt hash and SimHash; ``sys_tags``: the tag bits the
  system prompt alone sets (reasoning traces or grading asked for on every call);
  ``tools_key``: tool-schema hash;
- ``max_tokens``, ``probe`` (logprobs / top_logprobs / logit_bias), ``truncated``
  (finish reason ``length``), ``depth`` (messages in the conversation), ``out_chars``.

Text comes from :func:`distillguard.exchange.prompt_messages` / ``response_text`` so every
endpoint of the spec is handled by the one module that knows the format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
import re2

from distillguard.detect._text import normalise, sentence_keys, simhash, stable_hash, tokens
from distillguard.exchange import prompt_messages, response_text

__all__ = [
    "ENRICH_VERSION",
    "TAGS",
    "Enriched",
    "enrich",
    "enrich_json",
    "tag_names",
    "tag_text",
]

#: Bumped whenever a column's definition changes: stored enrichment of another version is
#: recomputed, never mixed with the new definition.
ENRICH_VERSION = 13

#: Capability tags, one bit each (bit i = 1 << i).
TAGS: tuple[str, ...] = (
    "coding",
    "tool_use",
    "reasoning",
    "cot",
    "grading",
    "rewrite_probe",
    "sys_extract",
    "chat",
    "datagen",
)
CODING, TOOL, REASON, COT, GRADE, REWRITE, SYSX, CHAT, DATAGEN = (1 << i for i in range(len(TAGS)))

_I = True  # "." matches newlines; text is lower-cased once before matching


def _compile(pattern: str, dot_nl: bool = False) -> Any:
    """A tagger regex, compiled with RE2 (linear time: 3-5x faster on these alternations
    with bounded gaps, and no pathological backtracking on hostile prompts); ``re`` for a
    pattern RE2 cannot take. RE2's word boundaries are ASCII ones."""
    options = re2.Options()
    options.dot_nl = dot_nl
    options.max_mem = 32 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return re.compile(pattern, re.S if dot_nl else 0)


#: The things a request for examples asks for, after its verb (the datagen tagger, below).
_EXAMPLES = (
    r" ([\w/-]+ ){0,6}(examples|samples|pairs|dialogues|conversations|questions"
    r"|instructions|tasks|records|entries|rationales|traces|trajectories|responses"
    r"|completions|problems)\b"
)
#: What generated examples are for, when a prompt says it (the datagen tagger, below).
_DATA_PURPOSE = (
    r"(?:\b(training|fine[- ]?tuning|instruction[- ]tuning|sft|distillation|preference|rlhf"
    r"|dpo|reward[- ]model) (data|dataset|data set|set|corpus|examples|samples|pairs|records"
    r"|targets)\b|\bfine[- ]?tun(e|ing)\b|\bdistil(l|led|ling|lation)?\b"
    r"|\b(train|training|teach) (a |an |our |my |the |your )?([\w-]+ ){0,3}(model|chatbot"
    r"|assistant|classifier|llm)s?\b)"
)

#: Private tagger bits (never stored): words that ask for steps, a reasoning trace or a
#: procedure alike ("step by step", "walk me through"); a problem to be solved; and a
#: procedure asked for (a recipe, a guide, how to set something up). The first counts as
#: ``cot`` unless the third is there without the second (or maths, or code): a recipe or
#: an installation guide asked for step by step is not a trace request, a puzzle is.
_STEPWISE, _PROBLEM, _PROCEDURE = 1 << 16, 1 << 17, 1 << 18
_PUBLIC = (1 << len(TAGS)) - 1

_RX: dict[int, Any] = {
    CODING: _compile(
        r"```|\bdef \w+\(|\bfunction\s*\w*\s*\(|\bclass \w+[:({]|#include|\bimport \w+"
        r"|\b(python|javascript|typescript|java|rust|golang|c\+\+|c#|sql|bash|regex|html|css"
        r"|kotlin|swift|php|ruby)\b.{0,60}\b(code|function|script|program|query|class|method"
        r"|snippet|implementation)\b"
        r"|\b(write|implement|debug|fix|refactor|optimi[sz]e|complete|review)\b.{0,40}\b(code"
        r"|function|script|program|bug|class|method|algorithm|api|endpoint|unit tests?)\b"
        r"|\b(stack ?trace|traceback|segfault|compiler|runtime error|null pointer|exception)\b",
        _I,
    ),
    REASON: _compile(
        r"\b(solve|calculate|compute|prove|derive|evaluate the (integral|expression)|simplify"
        r"|how many|how much|what is the (probability|value|sum|product|area|volume)"
        r"|equation|integral|derivative|theorem|puzzle|riddle|logic(al)?|deduce|infer"
        r"|probability|percent(age)?|ratio)\b"
        r"|\d+\s*[-+*/^=×÷]\s*\d+",
        _I,
    ),
    # the trace asked for in words that only mean that (for the words that also ask for a
    # procedure, "step by step", "walk me through", see _STEPWISE below)
    COT: _compile(
        r"chain[- ]of[- ]thought|show (all )?(your|the) (work|working|reasoning|thinking"
        r"|derivation)|show (all )?your steps|(see|show) (all )?your (work|working|reasoning|steps)"
        r"|explain (your|each|every|all) (reasoning|thinking|answer|steps?)"
        r"|think (carefully|aloud|out loud|it through|hard)|think before (answering|responding"
        r"|replying|you (answer|respond|reply))|(think|reason|solve|answer|work|go|proceed"
        r"|respond|reply|explain|derive|compute|calculate) (about |through )?(it |this |them "
        r"|the problem |each (one|problem) )?(through |out )?step[- ]by[- ]step"
        r"|reason (it )?(out|through|carefully|step|about)|let'?s reason"
        r"|reasoning (first|before)|work it (out|through)|<think(ing)?>|let'?s think"
        r"|(detailed|full|complete|explicit|thorough) (reasoning|derivation|rationale"
        r"|explanation)|explanation of (your|the|every|each) (thinking|reasoning|steps?)"
        r"|before (giving|answering|you answer|the final answer)"
        r"|justify (your|each)|\b(your|its|the model's) (\w+ )?(thought|thinking|reasoning"
        r"|problem[- ]solving) process|\bscratch ?pad\b"
        r"|\b(include|give|provide|add|state) (your|the|a) (\w+ )?rationale"
        r"|<(your )?(reasoning|thoughts?|rationale|thinking)>"
        r"|\b(internal|inner|hidden|private) (reasoning|thoughts?|thinking|monologue|deliberation)"
        r"|\b(reasoning|thought|thinking) (trace|chain|path)s?\b"
        r"|\bchain of (logic|reasoning|inference|thoughts?)\b"
        r"|\bhow (you|did you) (arrived?|got|get|came|come|reached?) (at|to|there)"
        r"|\b(verbali[sz]e|articulate|narrate|write out|spell out|lay out|set out|expose"
        r"|document) (\w+ ){0,3}(reasoning|rationale|thoughts|thinking|logic|deductions"
        r"|inferences|derivation|working|calculations)"
        r"|\b(produce|write|generate|give|provide|reconstruct|supply) (\w+ ){0,2}(reasoning"
        r"|rationale) (that|which|connecting|leading|linking|from|behind)"
        r"|\bthe reasoning behind (it|each|every|your|this (step|line|answer|calculation))"
        r"|\bintermediate (results|calculations|computations|reasoning|values|work)"
        r"|\bone (step|inference|deduction) at a time|\b(each|every) (deduction|inference)"
        r"|\bjustify every|\bbefore (concluding|responding|replying|you (respond|reply|conclude))"
        r"|\b(reasoning|rationale|thoughts?|analysis)[\"']?\s*(:|,|and|then|followed by)\s*"
        r"[\"']?(final[ _]?)?answer\b"
        r"|[\"'`](reasoning|rationale|thoughts?|thinking|chain[_ ]of[_ ]thought)([\"'`]\s*[:,(]"
        r"|:[\"'`])"
        # the same request in the languages harvesters most often write in besides English
        r"|(tu|su) razonamiento|(seu|teu) raciocínio|en voz alta|pasos? intermedios?"
        r"|(cálculos|passos|etapas) intermediári[oa]s|(ton|votre) raisonnement"
        r"|(ta|votre) démarche|à voix haute|étapes intermédiaires|(tuo|suo) ragionamento"
        r"|ad alta voce|passaggi intermedi|(deinen|ihren|den) (gedankengang|lösungsweg|rechenweg)"
        r"|denk(e|en sie)? laut|laut nach|zwischenschritt"
        r"|ход (рассуждений|решения)|(свои|твои|ваши) рассуждения|промежуточн\S* (шаг|вычислен)"
        r"|思维链|(思考|推理|思维|解题|计算)(过程|步骤)|(逐步|分步)(推理|思考|解释|解答|计算)"
        r"|(思考|推論)(過程|プロセス)|途中式|(사고|추론|풀이) ?과정"
        # a reasoning verb with "step by step" in those languages (the phrase alone may ask
        # for a procedure)
        r"|(piensa|razona|explica|resuelve|responde)\S* paso a paso"
        r"|(pense|raciocine|explique|resolva|responda)\S* passo a passo"
        r"|(réfléchi|raisonne|explique|résou|résolve)\S* étape par étape"
        r"|(denk|löse|begründe)\S* schritt für schritt"
        r"|(думай|подумай|рассуждай|реши)\S* (\S+ )?(шаг за шагом|пошагово)"
        r"|一步一?步地?(思考|推理|分析|解)|(ステップバイステップ|順を追って|一歩ずつ)で?(考え|推論|解)"
        r"|(단계별로|차근차근) (설명|생각|추론|풀)",
        _I,
    ),
    GRADE: _compile(
        r"\b((against|using|use|per|with|according to|following|based on|by) (the|this|a|our"
        r"|that|my) (\w+ ){0,2}rubric|rubric\s*:|rubric (below|above|score|criteri)"
        r"|grade (the|this|each)|score (the|this|each|from|between)|on a scale (of|from)"
        r"|rate (the|this|each|how)|\d+\s*(-|to|/)\s*10\b.{0,40}\b(score|scale|rating)"
        r"|which (response|answer|completion|output) is (better|more)"
        r"|(assistant|response|answer) a\b.{0,300}\b(assistant|response|answer) b\b"
        r"|(evaluate|assess|grade|score|rate|judge|critique) (the |this |each |these )?"
        r"(following )?(responses?|answers?|completions?|outputs?|submissions?|essays?|solutions?)"
        r"|\"score\"|score (it|them) (from|between|on)"
        r"|act as (a|an) (judge|grader|evaluator)|judge (the|this|whether)|as a grader"
        # the same request in other words: a verdict or number asked for about a given text
        r"|(evaluate|assess|grade|score|rate|judge|critique) (the |this |each |these |that |your "
        r"|my |its )(\w+ ){0,4}(responses?|answers?|completions?|outputs?|submissions?"
        r"|solutions?|repl(y|ies)|summar(y|ies)|translations?|proofs?)\b"
        r"|(assign|give|output|return|provide) (it |them |(the|this|each) (response|answer"
        r"|output|completion|reply|solution) )?(a |an )?(numeric |numerical |final )?(score"
        r"|grade|rating|reward|verdict)"
        r"|(score|grade|mark|rating|points?)\b.{0,30}\bout of \d+|reward model|scalar reward"
        r"|judge (if|how)|pass(/| or )fail|(rank|order) (these|the|them|the following) (\w+ )?"
        r"(responses|answers|outputs|completions|candidates|summaries|replies|solutions)"
        r"|which (of (the|these) (two|three|following) )?(responses?|answers?|outputs?"
        r"|completions?|summaries|replies|candidates|translations|solutions) (is|was) (better"
        r"|more|best|preferred|most)"
        r"|(response|output|completion|reply|summary|candidate) (1|a)\b.{0,300}\b(response|output"
        r"|completion|reply|summary|candidate) (2|b)\b"
        r"|\b(reference|gold|ground[- ]truth) (answer|solution|output)s?\b"
        r"|(reply|respond|answer|output|return) with (a |an |the |your )?(verdict|score|grade"
        r"|rating)|label (the|this|each) (response|answer|output|completion|reply)"
        r"|rank (them|these|the \w+) (from )?(best|worst|highest|lowest))"
        r"|\"(score|verdict|grade|rating|winner|preference|preferred)\"\s*:"
        # a judge's role, a verdict on a given answer, answers compared or graded on a scale
        r"|\b(act|acting|serve|you are) as (a|an) (\w+ ){0,2}(judge|grader|evaluator|rater"
        r"|annotator)\b|\byou are (a|an) (\w+ ){0,2}(judge|grader|evaluator|rater)\b"
        r"|\bis (the|this|that) (following |given |model's |assistant's |student's |ai's )?"
        r"(answer|response|solution|reply|output|proof) (factually |fully )?(correct|accurate"
        r"|right|valid)\b|\b(check|verify|determine|decide|assess|judge) (whether|if) (the|this"
        r"|that|each|their) (\w+ ){0,2}(answers?|responses?|solutions?|repl(y|ies)|outputs?"
        r"|proofs?|claims?) (is|are|match|matches|contains?)\b"
        r"|\bpairwise (comparison|preference|judg)|\bpreference (strength|label|judg)"
        r"|which (completion|response|answer|reply|output|summary|translation|candidate)s? "
        r"(better|best|more)\b|\b(response|answer|assistant|output|completion) b\b.{0,300}"
        r"\b(response|answer|assistant|output|completion) a\b|\bon a [\d–-]*\s*(point )?likert\b"
        r"|\b(score|rate|grade) (its|their|the) (\w+ ){0,2}(from|on a|between) \d"
        r"|\b(output|give|return|provide|reply with) (an? |the )?(overall|final) (verdict"
        r"|judg(e)?ment|score|grade)|\bmark (each|every|it|them|the (answer|response|step)s?) "
        r"(as )?(\w+ )?(correct|incorrect|valid|invalid|true|false|right|wrong|pass|fail)\b"
        r"|factual(ly)? (accuracy|correctness) of (the|each|this)"
        r"|\bcandidate (answers?|responses?|solutions?|outputs?|completions?|replies)\b"
        r"|\bover-?refusal\b|\b(does|did) (this|the) (response|answer|reply|assistant|model)"
        r" (refuse|comply|hallucinate|follow the)\b"
        # the same request in the languages the reasoning-trace tagger reads
        r"|(califica|puntúa|evalúa|valora) (la|esta|cada|las|estas) (siguientes? )?(respuestas?"
        r"|soluci(ón|ones))|qué respuesta es (la )?mejor|cuál de (estas|las) (dos |tres )?"
        r"respuestas es (la )?mejor|(asigna|da|otorga) una (puntuación|nota|calificación)"
        r"|(actúa|actuar|actúe) como (un |una )?(\S+ )?(evaluador|juez|calificador)"
        r"|(avalie|classifique|pontue) (a|esta|cada|as) (respostas?|soluç(ão|ões))"
        r"|(avalie|verifique) se a (resposta|solução)"
        r"|qual (das )?respostas? é (a )?melhor|(atribua|dê) uma (nota|pontuação)"
        r"|(évalue|évaluez|note|notez|juge|jugez) (la|cette|chaque|les) (réponses?|solutions?)"
        r"|quelle réponse est (la )?meilleure|(attribue|attribuez|donne|donnez) une (note|score)"
        r"|(note|notez|évalue|évaluez) (ce|cette|chaque) (résumé|réponse|traduction|solution)"
        r"|réponses a et b|(tu es|vous êtes|agis comme|agissez comme) (un |une )?(\S+ )?(juge"
        r"|évaluat(eur|rice)|correct(eur|rice))"
        r"|(bewerte|bewerten sie|benote) (die|diese|jede) (folgenden? )?(antwort|lösung"
        r"|zusammenfassung)(en)?|prüfe,? ob (die|diese) (lösung|antwort) (korrekt|richtig)"
        r"|(gib|geben sie) (dein|ihr) urteil"
        r"|welche antwort ist besser|(vergib|vergeben sie) (eine|einen) (note|punktzahl|score)"
        r"|(valuta|valutate|giudica) (la|questa|ogni|le) (rispost[ae]|soluzion[ei])"
        r"|quale risposta è (la )?migliore|(assegna|dai) un (voto|punteggio)"
        r"|(оцени|оцените) (этот |следующий |каждый )?(ответ|решение)"
        r"|какой (из )?ответ(ов)? лучше|(поставь|поставьте|выставь) (оценку|балл)"
        r"|сравни\S* (\S+ )?ответ|выбер\S* лучш"
        r"|(回答|答案|回复|输出)(进行)?(打分|评分)|评分标准|(哪个|哪一个)(回答|答案|回复)更好"
        r"|(作为|担任)(评委|裁判|评审|评估者)|(回答|答え|解答)を(評価|採点)"
        r"|どちらの(回答|答え)が(良い|優れて)|採点基準|(답변|응답|답안)(을|를) (평가|채점)"
        r"|(回答|答え)を比較|どちらが.{0,40}判定|채점하"
        r"|어느 (답변|응답)이 더|채점 기준"
        # the quality of given answers, answers A and B side by side, the judge's role
        r"|(calidad|qualidade|qualité|qualität|qualità) (de |da |das |des |der |dell[ae] )?"
        r"(las |la |les |os |as )?(respuestas?|respostas?|réponses?|antwort(en)?|rispost[ae])"
        r"|(respuesta|resposta|réponse|antwort|risposta) a\b.{0,300}\b(respuesta|resposta"
        r"|réponse|antwort|risposta) b\b"
        # (RE2's \w is ASCII: \S stands for a word in the other scripts)
        r"|оцен\S* (\S+ ){0,3}(ответ|решени)|качеств\S* (\S+ ){0,2}ответ"
        r"|ответ [aа][\s:.)].{0,300}ответ [bб][\s:.)]"
        r"|(ты|вы|выступи\S*|будь\S*) (\S+ ){0,3}(рецензент|оценщик|судь[яей])"
        r"|(回答|答案|回复) ?[a-b1-2甲乙].{0,300}(回答|答案|回复) ?[a-b1-2甲乙]"
        r"|评估(以下|下面)?的?(这)?(两个|几个|各个|每个)?(回答|答案|回复)|(回答|答案|回复)的?质量"
        r"|回答の(質|品質)|답변(의)? 품질",
        _I,
    ),
    REWRITE: _compile(
        r"\b(rewrite|re-write|rephrase|paraphrase|reword|polish|make (it|this) (more|less|sound)"
        r"|in (a|an) (different|more|formal|casual) (tone|style|way)"
        r"|ignore (all |any )?(previous|prior|above) (instructions|rules)|jailbreak|\bdan\b"
        r"|without (any )?(restrictions|filters|censorship)|would you refuse"
        r"|hypothetically|for (a|my) (novel|story),? (explain|describe) how|bypass)\b",
        _I,
    ),
    # a request for training data itself: a data set, instruction / response pairs, new
    # tasks in the self-instruct manner, records keyed for supervised fine-tuning
    DATAGEN: _compile(
        r"\b(generat|creat|produc|build|mak|writ|assembl|compil|synthesi[sz]|prepar|augment"
        r"|expand)\w* (\w+ ){0,6}(training|fine[- ]?tuning|instruction[- ]tuning|sft"
        r"|distillation|synthetic) (data ?sets?|data|corpus|corpora|examples|samples|pairs"
        r"|records)\b"
        r"|\b(for|to) (fine[- ]?tun(e|ing)|train(ing)?|distil(l|ling)?) (a |an |the |our |my "
        r"|your )?(\w+ ){0,3}(model|assistant|llm|student|classifier)s?\b"
        r"|\b(instruction|prompt|question|input|query|user)[-/ ](response|answer|output"
        r"|completion|reply|solution)s? (pairs|examples|samples|records|tuples)\b"
        r"|\bcome up with (a (series|set|list) of |\d+ |more |new |diverse ){1,3}(\w+ )?"
        r"(tasks|instructions|task instructions)\b"
        r"|\b(generate|write|create|produce|propose) (\d+|more|a (series|set|list|batch) of) "
        r"(\w+ ){0,2}(diverse|new|different|varied|additional) (\w+ )?(tasks|instructions"
        r"|prompts)\b"
        r"|\b(example|seed|sample) tasks\s*:"
        r"|\"(instruction|prompt|question|input|query)\"\s*(,|and|:)[^\n]{0,80}\"(output"
        r"|completion|response|answer|solution)\""
        r"|(训练|微调|蒸馏)(数据|样本|语料)|问答对|指令(-|/)?(回答|响应|输出)对"
        # examples asked for (a count or a batch of them) where the prompt names what they
        # are for: training, fine-tuning, distillation, preference or reward-model data
        r"|\b(generate|create|write|produce|make|compose|synthesi[sz]e|draft|give me|build)"
        + _EXAMPLES
        + r".{0,400}"
        + _DATA_PURPOSE
        + "|"
        + _DATA_PURPOSE
        + r".{0,400}\b(generate|create|write|produce|make|compose|synthesi[sz]e|draft)"
        + _EXAMPLES
        + r"|\b(our|my|your|a|the) student model (will|is|to)\b"
        r"|\b(chosen|preferred)\b.{0,80}\brejected\b"
        r"|\b(alpaca|sharegpt|evol[- ]instruct)[- ](format|style)"
        r"|(datos|données|dados|daten) (de |d')?(entrenamiento|entraînement|treino"
        r"|treinamento)|trainingsdaten|trainingsbeispiele|обучающ\S* (данн|выборк|пример)"
        r"|дообучени|для (дообучения|обучения|файнтюнинга) (\S+ ){0,2}модел"
        r"|学習データ|ファインチューニング用|(指令|监督)微调|学生模型",
        _I,
    ),
    _STEPWISE: _compile(
        r"step[- ]by[- ]step|\bstep \d|walk (me |us )?through|\b(each|every) (single )?step"
        r"|\bthoroughly\b|\bwork (out|through)\b|think (through|before)|\bthought process"
        r"|explain the (reasoning|thinking|steps?)"
        r"|show (me |us )?the steps|intermediate steps|paso a paso|cada paso|passo a passo"
        r"|cada etapa|passo (dopo|per) passo|étape par étape|chaque étape|schritt für schritt"
        r"|jeden schritt|шаг за шагом|пошагово|каждый шаг|一步一步|一步步|每一步|分步"
        r"|ステップバイステップ|順を追って|各ステップ|단계별로|차근차근|각 단계",
        _I,
    ),
    _PROBLEM: _compile(
        r"\b(problem|question|exercise|homework|puzzle|riddle|proof|equation|solution|answer"
        r"|solve|calculate|compute|prove|derive|determine|find|differentiate|integrate"
        r"|simplify|minus|plus|times|divided by)s?\b|\d\s*%|\bf\(x\)"
        # a programming question is a problem too
        r"|\b(python|javascript|typescript|java|rust|golang|sql|bash|regex|kotlin|swift|php"
        r"|ruby|code|algorithm|linked list|array|recursion|function|compile[rd]?|parse|thread"
        r"|big-?o|complexity|in go)\b|\bc(\+\+|#)"
        r"|problema|pregunta|ejercicio|resuelve|calcula|respuesta|questão|pergunta|exercício"
        r"|resolva|resposta|problème|exercice|résous|résolvez|calcule|réponse|aufgabe|frage"
        r"|löse|berechne|lösung|antwort|esercizio|risolvi|risposta|задач|вопрос|реши|вычисли"
        r"|ответ|题|解答|计算|答案|問題|解いて|計算|答え|문제|풀어|계산|답",
        _I,
    ),
    _PROCEDURE: _compile(
        r"\b(recipes?|guide|tutorial|instructions|checklist|plan|itinerary|set ?up|setting up"
        r"|install\w*|configur\w*|directions|procedure|translat\w*)\b|\bhow (to|do i|can i"
        r"|should i|would i|does one)\b|\bsteps to\b|\bprocess (of|for)\b|\b(what|which) "
        r"(\w+ )?to (pack|buy|bring|do|wear|cook|say|choose|pick)\b|\b(packing|to-?do"
        r"|shopping|reading) list\b|\bexplain how (a|an|the|to|it|my) |\bthe thought "
        r"process behind\b|\bteach me\b|pasos para|passos para|étapes pour"
        r"|schritte (zum|zur|für)|шаги (для|по)|para (renovar|instalar|configurar|hacer"
        r"|preparar|obtener|solicitar|cocinar)"
        r"|receta|guía|instrucciones|cómo (puedo|hago|se|hacer)|recette|mode d'emploi"
        r"|comment (faire|installer|puis-je)|anleitung|rezept|wie (ich|man|kann)|ricetta"
        r"|come (posso|faccio|si)|рецепт|инструкц|как (мне|сделать|установить|настроить)"
        r"|教我|怎么|如何|做法|手順|やり方|作り方|절차|방법|레시피",
        _I,
    ),
    SYSX: _compile(
        r"\b((your|the) (system|initial|original|hidden) (prompt|instructions|message)"
        r"|repeat (the|all|everything) (text|words|above|instructions)|verbatim"
        r"|what (were|are) you (told|instructed)|print your instructions"
        r"|reveal your (prompt|instructions|configuration))\b"
        r"|(tu|el) (prompt|mensaje) (de|del) sistema|(seu|o) prompt (de|do) sistema"
        r"|(ton|votre) (prompt|message) système|(deinen|ihren) system-?prompt"
        r"|(il tuo|il) prompt di sistema|(твой|ваш|свой) системный (промпт|запрос)"
        r"|(你的|原始|初始|隐藏的?)(系统提示词?|指令|提示词|设定)"
        r"|(输出|重复|打印|显示)(你的)?(系统提示|(全部|所有)指令)"
        r"|(あなたの)?システムプロンプトを(表示|教え|出力)|시스템 프롬프트를 (보여|출력|알려)",
        _I,
    ),
}


#: Chain-of-thought elicitation strong enough to count when it sits in a SYSTEM prompt
#: (product prompts often say "think before you act"; harvesters ask for the trace itself).
_COT_SYSTEM = _compile(
    r"step[- ]by[- ]step|chain[- ]of[- ]thought|show (all )?(your|the) (work|working|reasoning"
    r"|steps|thinking)|explain (your|the) (reasoning|thinking)|(detailed|full|thorough"
    r"|complete) (explanation|reasoning|derivation)|explanation of (your|the) (thinking"
    r"|reasoning)|reasoning (first|before)|before (giving|stating) the (final )?answer"
    r"|<think(ing)?>|(each|every|all the) steps? of (your|the) (reasoning|thinking|solution|work)"
    r"|(your|the) (reasoning|thinking) (in detail|in full|first)"
    r"|(lay|spell|set|write) out (your|the|each|every|all) (\w+ )?(steps?|reasoning|thinking)"
)
_CODE_PARTS = _compile(r"\n {2,}\S|\n\t|;\s*\n|\{\s*\n|=>|->|\)\s*:", True)


class Enriched(NamedTuple):
    """The enrichment of one exchange (see module docstring)."""

    tags: int
    prefix_key: int
    suffix_key: int
    dup_key: int
    sys_key: int
    sys_sim: int
    tools_key: int
    max_tokens: int
    probe: bool
    truncated: bool
    depth: int
    out_chars: int
    bias_key: int = 0  # hash of the logit_bias token set (0 = none)
    sys_tags: int = 0  # tag bits the system prompt alone sets (a standing instruction)


def _tag_set() -> tuple[Any, tuple[int, ...]] | None:
    """All taggers in one RE2 ``Set``: one DFA scan of a text says which of them match.

    Same matches as running each pattern on its own (``tests/detect/test_tag_set.py`` checks
    it), in about a fifth of the time: one pass over the text instead of six, and no
    per-pattern str→UTF-8 conversion. ``None`` when a tagger is not an RE2 pattern."""
    if any(isinstance(rx, re.Pattern) for rx in (*_RX.values(), _CODE_PARTS)):
        return None
    options = re2.Options()
    options.dot_nl = True
    options.max_mem = 256 << 20  # a Set cannot fall back when its DFA runs out of memory
    tag_set = re2.Set.SearchSet(options)
    for rx in _RX.values():
        tag_set.Add(rx.pattern)
    tag_set.Compile()
    return tag_set, tuple(_RX)


_TAG_SET = _tag_set()


def tag_text(text: str) -> int:
    """Capability bits found in a prompt's text (without ``tool_use`` and ``chat``)."""
    sample = tag_sample(text)
    if _TAG_SET is None:
        return tag_each(sample)
    # RE2 reads UTF-8: encode once (an unpaired surrogate, which no JSON decoder here lets
    # through, becomes "?" instead of an error)
    data = sample.encode("utf-8", "replace")
    tag_set, tag_bits = _TAG_SET
    bits = 0
    for i in tag_set.Match(data) or ():
        bits |= tag_bits[i]
    if not bits & CODING and len(_CODE_PARTS.findall(data)) >= 3:
        bits |= CODING
    return _settle(bits)


def tag_sample(text: str) -> str:
    """The part of a text the taggers read, lower-cased: instructions sit at the ends of a
    prompt, the middle is the slot (a document, code)."""
    return (text if len(text) <= 1600 else f"{text[:1000]}\n{text[-600:]}").lower()


def tag_each(sample: str) -> int:
    """:func:`tag_text` of a :func:`tag_sample` with each tagger run on its own: the
    reference the one-scan ``Set`` must equal, and the path when a tagger is not RE2."""
    bits = 0
    for bit, rx in _RX.items():
        if rx.search(sample):
            bits |= bit
    if not bits & CODING and len(_CODE_PARTS.findall(sample)) >= 3:
        bits |= CODING
    return _settle(bits)


def _settle(bits: int) -> int:
    """Steps asked for are a trace request, unless what is asked for is a procedure and
    no problem (nor maths, nor code) is posed; the private bits go."""
    if bits & _STEPWISE and (bits & (_PROBLEM | REASON | CODING) or not bits & _PROCEDURE):
        bits |= COT
    return bits & _PUBLIC


def tag_names(bits: int) -> list[str]:
    """The names of the tags set in ``bits``."""
    return [name for i, name in enumerate(TAGS) if bits >> i & 1]


_SIM_CACHE: dict[int, int] = {}


def _sys_sim(key: int, text: str) -> int:
    sim = _SIM_CACHE.get(key)
    if sim is None:
        if len(_SIM_CACHE) > 200_000:
            _SIM_CACHE.clear()
        sim = _SIM_CACHE[key] = simhash(tokens(normalise(text)))
    return sim


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def enrich(
    endpoint: str,
    request: dict[str, Any],
    response: dict[str, Any] | None,
    *,
    text_tags: Callable[[str], int] = tag_text,
    system: Callable[[str], tuple[int, int, int]] | None = None,
    user: Callable[[str], tuple[int, int, int]] | None = None,
) -> Enriched:
    """Enrich one exchange from its endpoint and decoded bodies.

    This is the reference definition; :mod:`distillguard.detect.fast_enrich` computes the
    same values for many rows at once (from the same helpers, with caches). ``text_tags``,
    ``system`` and ``user`` default to :func:`tag_text`, :func:`system_fields` and
    :func:`user_keys`; a caller may pass memoised versions of the same functions.
    """
    system_of = system or system_fields
    user_of = user or user_keys
    msgs = prompt_messages(endpoint, request)
    system_text = "\n".join(t for r, t in msgs if r == "system")
    users = [t for r, t in msgs if r == "user" and t]
    turn = users[-1] if users else ""
    has_tool_msgs = any(r == "tool" for r, _ in msgs)
    tools = request.get("tools") or request.get("functions")
    # the task (first user turn) and the current turn; agent loops carry the task first
    bits = text_tags(turn if len(users) < 2 else f"{users[0]}\n{turn}")
    bits |= _request_bits(request, bool(tools or has_tool_msgs))
    sys_bits, sys_key, sys_sim = system_of(system_text)
    bits |= sys_bits
    if not bits:
        bits = CHAT
    prefix_key, suffix_key, dup_key = user_of(turn)
    max_tokens = _max_tokens(request)
    truncated, out_chars = _response_fields(endpoint, response)
    return Enriched(
        tags=bits,
        prefix_key=prefix_key,
        suffix_key=suffix_key,
        dup_key=dup_key,
        sys_key=sys_key,
        sys_sim=sys_sim,
        tools_key=_tools_key(tools),
        max_tokens=max_tokens,
        probe=_probe(request, max_tokens),
        truncated=truncated,
        depth=len(msgs),
        out_chars=out_chars,
        bias_key=_bias_key(request.get("logit_bias")),
        sys_tags=sys_bits,
    )


_HIGH_EFFORT = frozenset(("high", "xhigh"))


def _high(effort: Any) -> bool:
    return isinstance(effort, str) and effort in _HIGH_EFFORT


def _request_bits(request: dict[str, Any], tool_use: bool) -> int:
    """Tags the request's shape sets: tool use, and reasoning asked for by parameter.

    Reasoning by parameter: Anthropic's extended thinking (the trace comes back), the
    highest reasoning efforts of Chat Completions (``reasoning_effort``) and of the
    Responses API (``reasoning.effort``), and the Responses API's detailed reasoning
    summary (``reasoning.summary``), which returns the trace in prose.
    """
    bits = TOOL if tool_use else 0
    thinking = request.get("thinking")
    reasoning = request.get("reasoning")
    if (
        (isinstance(thinking, dict) and thinking.get("type") == "enabled")
        or _high(request.get("reasoning_effort"))
        or (
            isinstance(reasoning, dict)
            and (_high(reasoning.get("effort")) or reasoning.get("summary") == "detailed")
        )
    ):
        bits |= COT
    return bits


def system_fields(system: str) -> tuple[int, int, int]:
    """(tag bits, ``sys_key``, ``sys_sim``) of a system prompt (all 0 when empty).

    A system prompt can ask for reasoning traces or grading on every call.
    """
    if not system:
        return 0, 0, 0
    head = system[:1500].lower()
    bits = GRADE if _RX[GRADE].search(head) else 0
    bits |= DATAGEN if _RX[DATAGEN].search(head) else 0
    bits |= COT if _COT_SYSTEM.search(head) else 0
    sys_key = stable_hash(system)
    return bits, sys_key, _sys_sim(sys_key, system)


def user_keys(user: str) -> tuple[int, int, int]:
    """(``prefix_key``, ``suffix_key``, ``dup_key``) of the current user turn."""
    norm = normalise(user)
    prefix_key, suffix_key = sentence_keys(norm)
    return prefix_key, suffix_key, stable_hash(norm) if norm else 0


def _tools_key(tools: Any) -> int:
    if not tools:
        return 0
    names = []
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict):
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            names.append(str(fn.get("name")))
    return stable_hash("|".join(sorted(names)))


def _max_tokens(request: dict[str, Any]) -> int:
    return _int(
        request.get("max_tokens")
        or request.get("max_completion_tokens")
        or request.get("max_output_tokens")
    )


def _probe(request: dict[str, Any], max_tokens: int) -> bool:
    # output-layer probing: logit_bias, or top-k logprobs on (near) single-token answers;
    # plain `logprobs: true` is what classifiers reading confidences send
    top_lp = request.get("top_logprobs")
    return bool(request.get("logit_bias")) or bool(
        isinstance(top_lp, int) and top_lp > 0 and 0 < max_tokens <= 16
    )


def _response_fields(endpoint: str, response: dict[str, Any] | None) -> tuple[bool, int]:
    """(``truncated``, ``out_chars``) of a response body."""
    truncated = False
    if response:
        choices = response.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            truncated = choices[0].get("finish_reason") == "length"
        else:
            truncated = response.get("stop_reason") == "max_tokens"
    return truncated, len(response_text(endpoint, response))


def _bias_key(bias: Any) -> int:
    """Which tokens a request biases: a classifier repeats one set, a prober varies it."""
    if not isinstance(bias, dict) or not bias:
        return 0
    return stable_hash("|".join(sorted(str(k) for k in bias)))


def enrich_json(
    endpoint: str | None, request: str | bytes, response: str | bytes | None
) -> Enriched:
    """:func:`enrich` from the JSON text the store keeps."""
    req = orjson.loads(request)
    resp = orjson.loads(response) if response else None
    return enrich(endpoint or "chat.completions", req if isinstance(req, dict) else {}, resp)
