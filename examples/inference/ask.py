"""Asks the model behind inference.local one question and prints the answer.

Inside a nemoclaw sandbox OPENAI_BASE_URL is http://inference.local/v1 and OPENAI_API_KEY a
placeholder: the real key stays with the supervisor on the host, which adds it on the way out.
"""
import json
import os
import sys
import urllib.error
import urllib.request

question = " ".join(sys.argv[1:]) or "Say hello in five words."
body = {"model": "main", "messages": [{"role": "user", "content": question}]}
request = urllib.request.Request(
    os.environ["OPENAI_BASE_URL"] + "/chat/completions",
    data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json",
             "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
try:
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.load(response)
except urllib.error.HTTPError as e:
    print(f"inference.local answered {e.code}: {e.read().decode(errors='replace')}", file=sys.stderr)
    sys.exit(1)
print(answer["choices"][0]["message"]["content"])
usage = answer.get("usage") or {}
print(f"({usage.get('prompt_tokens', '?')} prompt + {usage.get('completion_tokens', '?')} "
      f"completion tokens)", file=sys.stderr)
