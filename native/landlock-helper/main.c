#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		fprintf(stderr, "nemoclaw-init: not built yet\n");
	return 125;
}
