"""Ways people wrap a task: chain-of-thought requests, grading rubrics, rewrites, follow-ups.

These phrasings are shared on purpose. Students ask for step-by-step explanations, eval
runners use chain-of-thought prompts and use a model as a grader, writers ask for rewrites;
distillation campaigns use the same words. Each list holds several paraphrases so that no
single string marks an attacker: what differs is how often, how uniformly and how
coordinated the wrapping is.
"""

from __future__ import annotations

from random import Random

__all__ = [
    "COT_PREFIXES",
    "COT_SUFFIXES",
    "FOLLOW_UPS",
    "GRADER_TEMPLATES",
    "REWRITE_TEMPLATES",
    "SYSTEM_PROMPTS",
    "cot_wrap",
    "grader_prompt",
    "rewrite_prompt",
]

COT_SUFFIXES: tuple[str, ...] = (
    "Let's think step by step.",
    "Explain your reasoning step by step before giving the final answer.",
    "Show your work.",
    "Think carefully and explain each step.",
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "First think through the problem, then give the final answer on its own line.",
    "Can you explain step by step?",
    "Break it down step by step for me.",
    "Walk me through the solution.",
    "Give a detailed explanation of every step, then state the answer.",
    "Reason it out before you answer.",
    "Answer with your full chain of reasoning, then 'Final answer:' and the result.",
)

COT_PREFIXES: tuple[str, ...] = (
    "Solve the following problem.",
    "Question:",
    "Here is a problem I'm stuck on.",
    "Problem:",
    "Work through this carefully.",
    "",
)

GRADER_TEMPLATES: tuple[str, ...] = (
    "Please act as an impartial judge and evaluate the quality of the response provided "
    "by an AI assistant to the user question below. Be as objective as possible. After "
    "your explanation, rate the response on a scale of 1 to 10 in the form "
    '"Rating: [[n]]".\n\n[Question]\n{question}\n\n[The Start of Assistant\'s Answer]\n'
    "{answer}\n[The End of Assistant's Answer]",
    "Here is a question and a candidate answer. Grade the answer against the rubric "
    "(correctness, completeness, clarity) and output a score from 0 to 5 with a short "
    "justification.\n\nQuestion: {question}\n\nCandidate answer: {answer}",
    "You are grading student work. Compare the answer to the question and say whether it "
    "is correct. Explain any mistakes, then give a grade out of 10.\n\nQuestion:\n"
    "{question}\n\nAnswer:\n{answer}",
    "Evaluate the following response for accuracy and helpfulness. Return JSON with keys "
    '"score" (1-10) and "reason".\n\nPrompt: {question}\nResponse: {answer}',
    "Which parts of this answer are wrong, if any? Then rate it 1-5.\n\n{question}\n\n"
    "Proposed answer: {answer}",
    "Score the following response from 1 to 10 for helpfulness, honesty and harmlessness. "
    "Give one sentence of reasoning per criterion, then the total.\n\nUser: {question}\n"
    "Assistant: {answer}",
    "I'm building an eval set. Is the reference answer below correct and complete? Answer "
    "PASS or FAIL and explain briefly.\n\nTask: {question}\nReference: {answer}",
    "Check this solution step by step and point out the first incorrect step, if any.\n\n"
    "Problem: {question}\n\nSolution: {answer}",
    "Grade my answer please (A-F) and tell me how to improve it.\n\nQ: {question}\nMy "
    "answer: {answer}",
)

REWRITE_TEMPLATES: tuple[str, ...] = (
    "Rewrite the following to be clearer and more concise:\n\n{text}",
    "Improve this explanation, keeping every step:\n\n{text}",
    "Paraphrase the following text:\n\n{text}",
    "Can you make this read better?\n\n{text}",
    "Rewrite this answer in a more detailed, step-by-step style:\n\n{text}",
    "Make this sound more professional:\n\n{text}",
    "Turn this into a clear explanation a beginner could follow:\n\n{text}",
    "Polish the wording of this paragraph without changing its meaning:\n{text}",
)

FOLLOW_UPS: tuple[str, ...] = (
    "Can you give me an example?",
    "Thanks! Can you make it shorter?",
    "Why is that?",
    "OK, and how would I do that in practice?",
    "Could you explain that part again more simply?",
    "What are the downsides?",
    "Great, can you put that in a table?",
    "Hmm, I don't think that's right. Can you double-check?",
    "What would you recommend for a beginner?",
    "Can you expand on the second point?",
    "thanks, that helps. one more question: is there a faster way?",
    "Can you explain step by step?",
    "Perfect. Now summarise it in three bullet points.",
)

SYSTEM_PROMPTS: tuple[str, ...] = (
    "You are a helpful assistant.",
    "You are a helpful assistant. Answer concisely.",
    "You are ChatBot, a friendly assistant for our customers. Be polite and brief.",
    "You are an expert software engineer. Prefer idiomatic, well-tested code.",
    "You are a patient maths tutor. Explain ideas clearly.",
    "Always answer in Markdown.",
)


def cot_wrap(text: str, rng: Random, *, suffixes: tuple[str, ...] = COT_SUFFIXES) -> str:
    """``text`` with a chain-of-thought request before or after it."""
    suffix = rng.choice(suffixes)
    if rng.random() < 0.25:
        prefix = rng.choice(COT_PREFIXES)
        return f"{prefix} {suffix}\n\n{text}" if prefix else f"{suffix}\n\n{text}"
    return f"{text}\n\n{suffix}"


def grader_prompt(question: str, answer: str, rng: Random, template: str | None = None) -> str:
    """A model-as-grader request over a question and a candidate answer."""
    return (template or rng.choice(GRADER_TEMPLATES)).format(question=question, answer=answer)


def rewrite_prompt(text: str, rng: Random, template: str | None = None) -> str:
    """A request to rewrite ``text``."""
    return (template or rng.choice(REWRITE_TEMPLATES)).format(text=text)
