# adc.mk - include from a GNU Makefile (4.3 or later) to turn NAME.ad into
# NAME_grad.c and NAME_grad.h:
#
#   include adc.mk            # installed in PREFIX/include, which make searches
#   model: main.o model_grad.o
#   	$(CC) -o $@ $^ -lm
#   main.o: model_grad.h
#
# ADC is the compiler to run, ADCFLAGS its options (e.g. --static, -O0).
ADC ?= adc
ADCFLAGS ?=

%_grad.c %_grad.h &: %.ad
	$(ADC) $(ADCFLAGS) --header -o $*_grad.c $<
